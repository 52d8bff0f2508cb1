"""A real Celery worker on the `pdf` queue renders a certificate queued after commit.

Runs wherever REDIS_URL is set and the tests use PostgreSQL (the worker process must share
the test database and the media directory). Under CI=true it never skips.
"""

import pytest
from django.conf import settings
from django.db import transaction

from certificates import services
from certificates.models import Certificate
from certificates.tests.factories import accepted, make_individual, make_project
from outbox.testing import start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_pdf_worker_renders_a_generated_certificate(real_broker, org, organiser, learner):
    redis_url, database_url = real_broker
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    worker = start_worker(
        database_url=database_url,
        redis_url=redis_url,
        queues="pdf",
        extra_env={"MEDIA_ROOT": str(settings.MEDIA_ROOT), "SITE_URL": settings.SITE_URL},
    )
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
