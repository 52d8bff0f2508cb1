"""With the broker unreachable, starting a job still succeeds: the job is recorded, and the sweeper queues it later."""

import logging

import pytest
from django.urls import reverse

from jobs.models import Job
from jobs.services import jobs_sweep
from learnerpass.tests.test_redis_down import broker_down  # noqa: F401 - the fixture
from programs.models import ImportBatch
from programs.tests.conftest import future_text, make_program, make_run
from programs.tests.test_import import csv_file

pytestmark = pytest.mark.django_db(transaction=True)


def test_sending_a_batch_while_the_broker_is_down_answers_and_the_sweeper_starts_the_job_later(
    login,
    org,
    learning_manager,
    broker_down,  # noqa: F811 - the fixture imported above
    settings,
    caplog,
):
    make_run(make_program(org))
    client = login(learning_manager)
    client.post(
        reverse("programs:import_upload", kwargs={"org_slug": org.slug}),
        {"file": csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"])},
    )
    batch = ImportBatch.objects.get()
    with caplog.at_level(logging.WARNING, logger="jobs.services"):
        response = client.post(
            reverse("programs:import_batch_send", kwargs={"org_slug": org.slug, "batch_id": batch.pk}), follow=True
        )
    assert response.status_code == 200
    assert "Sending invitations" in response.content.decode()
    job = Job.objects.get(kind="programs.send")
    assert job.state == Job.State.QUEUED
    assert "the sweeper will queue it again" in caplog.text
    # The broker is back (here: tasks run in-process again) and the sweeper finds the job that never started.
    from learnerpass.celery import app

    app.conf.task_always_eager = True
    settings.JOBS_QUEUED_TIMEOUT = 0
    jobs_sweep()
    job.refresh_from_db()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SENT
    assert job.state in (Job.State.RUNNING, Job.State.SUCCEEDED) and job.attempts == 1
