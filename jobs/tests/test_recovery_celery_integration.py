"""Every job recovers by itself: a real worker killed mid-job, and the broker restarted empty.

PostgreSQL + Redis + real worker and beat processes, with the sweeper's timings shortened to
seconds (jobs/testing.py). Runs wherever REDIS_URL is set and the tests use PostgreSQL; under
CI=true it never skips.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from certificates import services as certificates
from certificates.models import Certificate
from certificates.tests.factories import accepted, make_individual, make_project
from conftest import make_user
from jobs.models import Job
from jobs.testing import celery_env, kill_hard, start_beat, start_worker, stop
from outbox.models import Email
from outbox.services import build_email, emails_queue
from outbox.testing import SmtpSink, wait_for
from programs import services as programs
from programs.models import ImportBatch, ImportBatchRows, Invitation
from programs.services.common import INVITATION_KIND
from programs.tests.conftest import make_program, make_run

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WITHIN = 120  # seconds: "within minutes, without a click"


def _batch(org, manager, rows: int) -> ImportBatch:
    """A checked file of `rows` learners on one run, ready to send."""
    run = make_run(make_program(org))
    expiry = (timezone.now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%S")
    batch = ImportBatch.objects.create(
        organisation=org,
        uploaded_by=manager,
        file_name="many.csv",
        status=ImportBatch.Status.VALID,
        row_count=rows,
        invitation_count=rows,
        planned_count=rows,
    )
    ImportBatchRows.objects.create(
        batch=batch, rows=[[n + 2, f"S{n:06d}", f"s{n}@example.test", run.pk, expiry] for n in range(rows)]
    )
    return batch


def _project_of(org, organiser, n: int):
    project = make_project(org)
    for i in range(n):
        accepted(make_individual(project, f"p{i}@example.test"), make_user(f"l{i}@example.test"), organiser)
    return project


def _job(kind: str) -> Job:
    return Job.objects.get(kind=kind)


def _finished(kind: str) -> bool:
    return Job.objects.filter(kind=kind, state=Job.State.SUCCEEDED).exists()


def _logs(*processes) -> str:
    return "\n".join(stop(p)[-3000:] for p in processes if p is not None)


def test_a_bulk_send_whose_worker_is_killed_finishes_with_every_email_sent_once(
    real_broker, org, learning_manager, tmp_path
):
    redis_url, database_url = real_broker
    rows = 3000
    batch = _batch(org, learning_manager, rows)
    with SmtpSink(keep_bodies=False) as sink:
        env = celery_env(database_url=database_url, redis_url=redis_url, smtp_port=sink.port)
        beat = start_beat(env, str(tmp_path / "beat-schedule"))
        worker = start_worker(env)
        second = None
        try:
            with transaction.atomic():
                programs.batch_send_start(batch=batch, started_by=learning_manager)
            assert wait_for(
                lambda: Job.objects.filter(kind="programs.send", state=Job.State.RUNNING).exists(),
                timeout=60,
                interval=0.01,
            ), _logs(worker)
            kill_hard(worker)
            killed_at = Job.objects.values_list("done", "follows").get(kind="programs.send")
            second = start_worker(env)
            finished = wait_for(lambda: _finished("programs.send"), timeout=WITHIN, interval=0.5)
            assert finished, f"killed at {killed_at}: {_job('programs.send').__dict__}\n" + _logs(second, beat)
            assert wait_for(lambda: len(sink.ids) >= rows, timeout=30)
        finally:
            output = _logs(second, beat)
    job = _job("programs.send")
    assert job.attempts == 2, output
    assert job.counts["sent"] == rows and job.done == rows
    assert Invitation.objects.filter(batch=batch).count() == rows
    assert Email.objects.count() == rows and not Email.objects.exclude(status=Email.Status.SENT).exists()
    duplicates = [email_id for email_id, n in Counter(sink.ids).items() if n > 1]
    assert not duplicates, f"sent twice: {duplicates[:10]}"


def test_a_worker_killed_while_it_delivers_emails_loses_none_and_repeats_at_most_one_per_process(real_broker, tmp_path):
    """Killed in the middle of a batch over a slow mail server: the emails it had claimed are sent by
    the next worker once the claim runs out (OUTBOX_CLAIM_SECONDS), with no click. Each email is
    recorded as sent the moment the server accepts it, so only an email accepted in the instant
    before the kill can go twice: at most one per killed process."""
    redis_url, database_url = real_broker
    total, concurrency = 200, 2
    emails = [
        build_email(to=f"slow{n}@example.test", template="outbox/test", context={"name": f"S{n}"}, kind="test")
        for n in range(total)
    ]
    with SmtpSink(keep_bodies=False) as sink:
        sink.delay = 0.02
        env = celery_env(
            database_url=database_url, redis_url=redis_url, smtp_port=sink.port, extra_env={"OUTBOX_BATCH_SIZE": "20"}
        )
        beat = start_beat(env, str(tmp_path / "beat-schedule"))
        worker = start_worker(env, concurrency=concurrency)
        second = None
        try:
            with transaction.atomic():
                ids = [email.pk for email in emails_queue(emails)]
            assert wait_for(lambda: len(sink.ids) >= 30, timeout=60, interval=0.01), _logs(worker)
            kill_hard(worker)
            delivered_before_kill = len(set(sink.ids))
            claimed_when_killed = Email.objects.filter(status=Email.Status.QUEUED, claim__isnull=False).count()
            second = start_worker(env)
            sent = wait_for(
                lambda: not Email.objects.filter(pk__in=ids).exclude(status=Email.Status.SENT).exists(),
                timeout=WITHIN,
                interval=0.5,
            )
            assert sent, _logs(second, beat)
            assert wait_for(lambda: len(set(sink.ids)) >= total, timeout=30)
        finally:
            output = _logs(second, beat)
    assert delivered_before_kill < total and claimed_when_killed > 0, "the worker was not killed mid-batch"
    counts = Counter(sink.ids)
    assert set(counts) == {str(pk) for pk in ids}, output
    duplicates = [email_id for email_id, n in counts.items() if n > 1]
    assert len(duplicates) <= concurrency, f"sent twice: {duplicates}"


def test_twenty_renders_whose_worker_is_killed_finish_each_certificate_once_with_its_code(
    real_broker, org, organiser, tmp_path
):
    redis_url, database_url = real_broker
    project = _project_of(org, organiser, 20)
    env = celery_env(
        database_url=database_url,
        redis_url=redis_url,
        extra_env={"MEDIA_ROOT": str(settings.MEDIA_ROOT), "SITE_URL": settings.SITE_URL},
    )
    beat = start_beat(env, str(tmp_path / "beat-schedule"))
    worker = start_worker(env, concurrency=1)
    second = None
    try:
        with transaction.atomic():
            certificates.certificates_generate_for_project(project=project, generated_by=organiser)
        codes = dict(Certificate.objects.values_list("pk", "code"))
        rendered = Certificate.objects.exclude(pdf="")
        assert wait_for(lambda: rendered.count() >= 3, timeout=90, interval=0.05), _logs(worker)
        kill_hard(worker)
        killed_after = rendered.count()
        assert killed_after < 20, "the worker finished before it could be killed"
        second = start_worker(env, concurrency=1)
        assert wait_for(lambda: _finished("certificates.render"), timeout=WITHIN, interval=0.5), _logs(second, beat)
    finally:
        output = _logs(second, beat)
    job = _job("certificates.render")
    assert job.attempts == 2, output
    assert job.counts == {"rendered": 20} and job.done == 20
    assert dict(Certificate.objects.values_list("pk", "code")) == codes  # one code each, none new
    assert Certificate.objects.filter(status=Certificate.Status.VALID).exclude(pdf="").count() == 20
    for certificate in Certificate.objects.all():
        with certificate.pdf.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"


def test_jobs_lost_with_a_broker_restarted_empty_are_queued_again_and_finish(
    real_broker, org, learning_manager, organiser, tmp_path
):
    redis_url, database_url = real_broker
    batch = _batch(org, learning_manager, 500)
    project = _project_of(org, organiser, 5)
    with transaction.atomic():
        programs.batch_send_start(batch=batch, started_by=learning_manager)
        certificates.certificates_generate_for_project(project=project, generated_by=organiser)
    assert Job.objects.filter(state=Job.State.QUEUED).count() == 2
    # The broker comes back empty: every queued message is gone.
    redis.Redis.from_url(redis_url).flushdb()
    with SmtpSink(keep_bodies=False) as sink:
        env = celery_env(
            database_url=database_url,
            redis_url=redis_url,
            smtp_port=sink.port,
            extra_env={"MEDIA_ROOT": str(settings.MEDIA_ROOT), "SITE_URL": settings.SITE_URL},
        )
        started = time.monotonic()
        beat = start_beat(env, str(tmp_path / "beat-schedule"))
        worker = start_worker(env)
        try:
            both = wait_for(
                lambda: _finished("programs.send") and _finished("certificates.render"), timeout=WITHIN, interval=0.5
            )
            assert both, _logs(worker, beat)
            invitations_sent = Email.objects.filter(kind=INVITATION_KIND, status=Email.Status.SENT)
            assert wait_for(lambda: invitations_sent.count() == 500, timeout=60)
        finally:
            _logs(worker, beat)
    assert time.monotonic() - started < WITHIN
    assert Invitation.objects.filter(batch=batch).count() == 500
    assert Email.objects.filter(kind=INVITATION_KIND, status=Email.Status.SENT).count() == 500
    # Every email the outbox sent arrived once. (The emails the test's set-up queued before the broker
    # lost them are the outbox's own sweeper's, minutes later: not waited for here.)
    assert len(sink.ids) == len(set(sink.ids)) == Email.objects.filter(status=Email.Status.SENT).count()
    assert Certificate.objects.exclude(pdf="").count() == 5
    assert _job("certificates.render").counts == {"rendered": 5}
