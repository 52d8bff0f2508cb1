"""Faults in the middle of sending, with a real worker process, Redis and an SMTP sink (CI: PostgreSQL + Redis).

- The worker's database connection is cut again and again while it sends: every email is
  delivered, and none twice (no process died, so not even the one duplicate a crash may cost).
- The mail server answers "451 try again later" for longer than the old retry window (five
  attempts): every email stays queued and is delivered once the server takes mail again, with
  no one clicking anything. The retry timings are shortened through settings.
"""

import time
from collections import Counter

import pytest
from django.db import connection, transaction

from outbox.models import Email
from outbox.services import build_email, emails_queue
from outbox.testing import SmtpSink, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def queue_emails(count: int) -> list[int]:
    emails = [
        build_email(to=f"learner{n}@example.test", template="outbox/test", context={"name": f"L{n}"}, kind="test")
        for n in range(count)
    ]
    with transaction.atomic():
        return [email.pk for email in emails_queue(emails)]


def sent_count() -> int:
    return Email.objects.filter(status=Email.Status.SENT).count()


def cut_other_connections() -> int:
    """Terminate every connection to the test database but this one: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def deliveries(sink: SmtpSink) -> Counter:
    return Counter(sink.ids)


def test_cutting_the_workers_database_connection_while_it_sends_loses_and_repeats_nothing(real_broker):
    redis_url, database_url = real_broker
    total = 1500
    with SmtpSink(keep_bodies=False) as sink:
        worker = start_worker(
            database_url=database_url,
            redis_url=redis_url,
            smtp_port=sink.port,
            extra_env={"OUTBOX_BATCH_SIZE": "100"},
        )
        try:
            ids = queue_emails(total)
            cuts = 0
            deadline = time.monotonic() + 180
            # Cut while sending is under way, each time after the worker made progress again.
            while cuts < 6 and time.monotonic() < deadline:
                before = sent_count()
                if before >= total:
                    break
                if wait_for(lambda before=before: sent_count() > before + 50, timeout=60):
                    cuts += bool(cut_other_connections())
            assert cuts >= 3, f"only {cuts} cuts happened while sending"
            delivered = wait_for(lambda: sent_count() == total, timeout=180, interval=0.5)
            wait_for(lambda: len(sink.ids) >= total, timeout=10)
        finally:
            log = stop_worker(worker)
    assert delivered, f"{sent_count()} of {total} sent; worker log:\n{log[-3000:]}"
    counts = deliveries(sink)
    assert {str(pk) for pk in ids} == set(counts), "some emails were never delivered"
    assert [pk for pk, n in counts.items() if n > 1] == [], "some emails were delivered twice"
    assert "database error while sending emails" in log


def test_a_mail_server_refusing_for_longer_than_the_old_retry_window_gets_every_email_when_it_recovers(real_broker):
    redis_url, database_url = real_broker
    total = 30
    with SmtpSink(keep_bodies=False) as sink:
        sink.refusing = True
        worker = start_worker(
            database_url=database_url,
            redis_url=redis_url,
            smtp_port=sink.port,
            extra_env={"OUTBOX_RETRY_BASE_SECONDS": "1", "OUTBOX_RETRY_MAX_SECONDS": "2"},
        )
        try:
            ids = queue_emails(total)
            # Five attempts was the old limit: after it every email was failed for good.
            outlasted = wait_for(
                lambda: not Email.objects.filter(pk__in=ids, attempts__lt=7).exists(), timeout=120, interval=0.5
            )
            still_queued = Email.objects.filter(pk__in=ids, status=Email.Status.QUEUED).count()
            attempts = Counter(Email.objects.filter(pk__in=ids).values_list("attempts", "status"))
            sink.refusing = False
            delivered = wait_for(lambda: sent_count() == total, timeout=60, interval=0.5)
            wait_for(lambda: len(sink.ids) >= total, timeout=10)
        finally:
            log = stop_worker(worker)
    assert outlasted, f"the worker did not keep trying: {attempts}; worker log:\n{log[-3000:]}"
    assert still_queued == total
    assert delivered, f"{sent_count()} of {total} sent after the server recovered; worker log:\n{log[-3000:]}"
    counts = deliveries(sink)
    assert sorted(counts) == sorted(str(pk) for pk in ids) and set(counts.values()) == {1}
    assert sink.refused >= 7 * total
