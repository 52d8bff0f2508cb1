"""A real Celery worker process, a real Redis broker and a local SMTP sink deliver an outbox email.

Runs wherever REDIS_URL is set and the tests use PostgreSQL (the worker process must share
the test database). Under CI=true it never skips.
"""

import pytest
from django.db import transaction

from outbox.models import Email
from outbox.services import email_queue
from outbox.testing import SmtpSink, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_delivers_an_outbox_email_through_smtp(real_broker):
    redis_url, database_url = real_broker
    with SmtpSink() as sink:
        worker = start_worker(database_url=database_url, redis_url=redis_url, smtp_port=sink.port)
        try:
            with transaction.atomic():
                email = email_queue(
                    to="learner@example.test", template="outbox/test", context={"name": "Ana"}, kind="test"
                )
            delivered = wait_for(lambda: len(sink.messages) >= 1, timeout=60)
            assert delivered, "the worker did not deliver the email: " + stop_worker(worker)
            assert wait_for(lambda: Email.objects.filter(pk=email.pk, status=Email.Status.SENT).exists(), timeout=10)
        finally:
            log = stop_worker(worker)
    assert len(sink.messages) == 1, log
    message = sink.messages[0]
    assert message["To"] == "learner@example.test"
    assert message["Subject"] == "Test email for Ana"
    assert message["X-LearnerPass-Email-Id"] == str(email.pk)
    email.refresh_from_db()
    assert email.attempts == 1 and email.sent_at is not None
