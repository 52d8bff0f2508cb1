"""A real Celery worker on the `pdf` queue renders a certificate queued after commit.

Runs wherever REDIS_URL is set and the tests use PostgreSQL (the worker process must share
the test database and the media directory). Under CI=true it never skips.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection, transaction

from certificates import services
from certificates.models import Certificate
from certificates.tests.factories import accepted, make_individual, make_project
from learnerpass.celery import app as celery_app
from outbox.testing import ROOT, database_url_from, stop_worker, wait_for

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
    saved = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield redis_url, database_url
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def start_pdf_worker(*, database_url: str, redis_url: str) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "learnerpass.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SITE_URL": settings.SITE_URL,
    }
    command = [
        sys.executable, "-m", "celery", "-A", "learnerpass", "worker", "-Q", "pdf", "-c", "1",
        "--max-tasks-per-child", "50", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_pdf_worker_renders_a_generated_certificate(real_broker, org, organiser, learner):
    redis_url, database_url = real_broker
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    worker = start_pdf_worker(database_url=database_url, redis_url=redis_url)
    try:
        with transaction.atomic():
            certificate = services.certificate_generate(individual=individual, generated_by=organiser)
        rendered = wait_for(lambda: Certificate.objects.exclude(pdf="").filter(pk=certificate.pk).exists(), timeout=90)
        assert rendered, "the worker did not render the certificate: " + stop_worker(worker)
        certificate.refresh_from_db()
        with certificate.pdf.open("rb") as pdf:
            assert pdf.read(4) == b"%PDF"
    finally:
        stop_worker(worker)
