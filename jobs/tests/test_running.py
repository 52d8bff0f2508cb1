"""Starting, running, finishing and failing a job from its task."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.models import Job
from jobs.services import JobLost, _claim, job_run
from jobs.tests.sample import count_to


def test_starting_a_job_records_it_queued_and_queues_its_task_only_after_commit(start, org, organiser):
    job = start(5, run=False)
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert (job.kind, job.organisation, job.started_by, job.total) == ("tests.count", org, organiser, 5)
    assert (job.ref_type, job.ref_id) == ("organisations.organisation", org.pk)
    assert job.task_name == "jobs.tests.sample.count_to"
    assert job.task_kwargs == {"n": 5}
    assert job.attempts == 0 and job.started_at is None
    assert len(job.public_id) >= 20 and str(job.pk) != job.public_id


def test_a_job_runs_to_the_end_and_keeps_its_counts_and_reasons(start):
    job = start(20)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert (job.done, job.total, job.attempts) == (20, 20, 1)
    assert job.counts == {"counted": 18, "skipped": 2}
    assert job.reasons == {"skipped": {"Every tenth is skipped.": 2}}
    assert job.finished_at is not None and job.run_token is None


def test_progress_is_written_at_most_once_per_interval_not_once_per_item(start, settings):
    settings.JOBS_PROGRESS_SECONDS = 60
    with CaptureQueriesContext(connection) as queries:
        start(1000)
    updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "jobs_job"')]
    # the claim, set_total and the finish: nothing per item
    assert len(updates) == 3


def test_a_task_delivered_twice_runs_the_job_once(start):
    job = start(10)
    assert job_run(job.pk, lambda run: pytest.fail("ran a finished job again")) is False
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_second_delivery_while_the_first_run_is_alive_does_nothing(start):
    job = start(10, run=False)
    first = _claim(job.pk)
    assert first is not None
    assert _claim(job.pk) is None
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_run_that_lost_its_job_stops_at_its_next_write(start):
    job = start(10, run=False)
    run = _claim(job.pk)
    Job.objects.filter(pk=job.pk).update(run_token=None, state=Job.State.QUEUED)
    with pytest.raises(JobLost):
        run.flush()


def test_a_user_error_fails_the_job_with_its_message(start):
    job = start(10, refuse="The file is gone.")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message == "The file is gone."
    assert not job.retryable


def test_an_unexpected_error_fails_the_job_with_a_plain_message_and_logs_it(start, caplog):
    with caplog.at_level(logging.ERROR, logger="jobs.services"):
        job = start(10, fail_at=4)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message == "An unexpected error stopped this job (RuntimeError)."
    assert "boom" not in job.message
    assert any(f"job {job.pk} failed" in r.getMessage() for r in caplog.records)


def test_the_task_takes_the_job_id_and_its_kwargs(start):
    job = start(3, run=False)
    count_to.apply(kwargs={"job_id": job.pk, "n": 3})
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.done == 3


def test_a_job_runs_in_the_language_of_the_person_who_started_it(start, org, organiser, settings):
    from django.utils import translation

    with translation.override("fr"):
        job = start(3, run=False)
    seen = []
    job_run(job.pk, lambda run: seen.append(translation.get_language()))
    assert seen == ["fr"]
