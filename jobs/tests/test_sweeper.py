"""The sweeper brings back jobs whose task was lost, idempotently, and gives up after a cap."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from jobs.models import Job
from jobs.registry import Followed
from jobs.services import _claim, enqueue, job_refresh_if_due, jobs_sweep
from jobs.tests.sample import FOLLOWED


def _age(job, **fields):
    Job.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def _lost_run(start, n=10, done=4):
    """A run that died after `done` items: running, its heartbeat old."""
    job = start(n, run=False)
    run = _claim(job.pk)
    run.set_done(done)
    run.flush()
    return _age(job, heartbeat_at=timezone.now() - timedelta(hours=1))


def test_a_running_job_without_a_heartbeat_is_queued_again_and_resumes_where_it_stopped(
    start, django_capture_on_commit_callbacks
):
    job = _lost_run(start)
    outcome = jobs_sweep()
    assert outcome["requeued"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert job.attempts == 2
    # it resumed at item 4: six more counted, not ten
    assert sum(job.counts.values()) == 6 and job.done == 10


def test_a_queued_job_that_never_started_is_queued_again(start, settings):
    job = start(5, run=False)
    _age(job, queued_at=timezone.now() - timedelta(seconds=settings.JOBS_QUEUED_TIMEOUT + 1))
    assert jobs_sweep()["requeued"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED


def test_a_job_that_is_alive_or_recent_is_left_alone(start):
    job = start(5, run=False)
    running = start(5, run=False)
    _claim(running.pk)
    assert jobs_sweep() == {"requeued": 0, "gave_up": 0, "refreshed": 0}
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED


def test_sweeping_twice_queues_a_lost_job_once(start):
    job = _lost_run(start)
    with mock.patch("jobs.services.enqueue") as queued:
        jobs_sweep()
        jobs_sweep()
    assert queued.call_count == 1
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED


def test_the_sweeper_gives_up_after_the_last_attempt_and_says_why(start, settings):
    settings.JOBS_MAX_ATTEMPTS = 2
    job = _lost_run(start)
    _age(job, attempts=2)
    assert jobs_sweep()["gave_up"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.retryable
    assert "Stopped after 2 attempts" in job.message
    assert job.finished_at is not None


def test_a_redelivered_message_takes_over_a_run_whose_heartbeat_is_old(start):
    job = _lost_run(start)
    run = _claim(job.pk)
    assert run is not None and run.done == 4
    job.refresh_from_db()
    assert job.attempts == 2


def test_a_redelivered_message_does_not_start_a_job_past_its_last_attempt(start, settings):
    settings.JOBS_MAX_ATTEMPTS = 1
    job = _lost_run(start)
    assert _claim(job.pk) is None


@pytest.fixture
def not_eager():
    from learnerpass.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def test_a_broker_that_refuses_leaves_the_job_queued_for_the_sweeper(start, not_eager, caplog):
    job = start(5, run=False)
    with mock.patch("jobs.tests.sample.count_to.apply_async", side_effect=ConnectionError("broker down")):
        assert enqueue(job.pk) is False
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert "the sweeper will queue it again" in caplog.text


def test_a_following_job_is_refreshed_by_the_sweeper_and_finishes_when_its_follower_says_so(start):
    job = start(10, follow=True)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and job.follows
    FOLLOWED[job.pk] = Followed(done=7, counts={"counted": 7})
    jobs_sweep()
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and job.done == 7
    FOLLOWED[job.pk] = Followed(done=10, counts={"counted": 9, "skipped": 1}, finished=True, message="All done.")
    assert jobs_sweep()["refreshed"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.message == "All done." and job.counts["skipped"] == 1


def test_a_following_job_is_never_stuck_nor_requeued(start):
    job = start(10, follow=True)
    _age(job, heartbeat_at=timezone.now() - timedelta(days=1), queued_at=timezone.now() - timedelta(days=1))
    FOLLOWED[job.pk] = Followed(done=3, counts={})
    assert not job.is_stuck
    assert jobs_sweep()["requeued"] == 0


def test_a_polling_page_refreshes_a_following_job_at_most_once_a_second(start):
    job = start(10, follow=True)
    job.refresh_from_db()
    FOLLOWED[job.pk] = Followed(done=5, counts={})
    _age(job, heartbeat_at=timezone.now() - timedelta(seconds=5))
    assert job_refresh_if_due(job=job).done == 5
    FOLLOWED[job.pk] = Followed(done=6, counts={})
    job.refresh_from_db()
    assert job_refresh_if_due(job=job).done == 5


@pytest.mark.parametrize("state", [Job.State.QUEUED, Job.State.RUNNING])
def test_an_unfinished_job_silent_for_longer_than_the_stuck_time_is_stuck(start, settings, state):
    job = start(5, run=False)
    old = timezone.now() - timedelta(seconds=settings.JOBS_STUCK_SECONDS + 1)
    _age(job, state=state, queued_at=old, heartbeat_at=old)
    assert job.is_stuck and job.can_retry
    _age(job, queued_at=timezone.now(), heartbeat_at=timezone.now())
    assert not job.is_stuck


def test_a_big_following_job_is_read_less_often_by_polling_pages(start):
    job = start(10, follow=True)
    Job.objects.filter(pk=job.pk).update(total=150_000)
    job.refresh_from_db()
    FOLLOWED[job.pk] = Followed(done=5, counts={})
    _age(job, heartbeat_at=timezone.now() - timedelta(seconds=2))
    # 150,000 items: at most every 3 s
    assert job_refresh_if_due(job=job).done != 5
    _age(job, heartbeat_at=timezone.now() - timedelta(seconds=4))
    assert job_refresh_if_due(job=job).done == 5
