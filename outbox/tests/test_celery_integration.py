"""A real Celery worker process, a real Redis broker and a local SMTP sink deliver an outbox email.

Runs wherever REDIS_URL is set and the tests use PostgreSQL (the worker process must share
the test database). Under CI=true it never skips.
"""

import os

import pytest
from django.db import connection, transaction

from learnerpass.celery import app as celery_app
from outbox.models import Email
from outbox.services import email_queue
from outbox.testing import SmtpSink, database_url_from, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_broker():
    redis_url = os.environ.get("REDIS_URL", "")
    database_url = database_url_from(connection.settings_dict)
    if not redis_url or not database_url:
        reason = "needs REDIS_URL and a PostgreSQL DATABASE_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(f"The Celery integration test must run in CI but {reason}.")
        pytest.skip(reason)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    saved = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_url
    _forget_connections()
    yield redis_url, database_url
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved
    _forget_connections()


def _forget_connections():
    """Drop pools an earlier test may have opened on the in-memory broker."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


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
