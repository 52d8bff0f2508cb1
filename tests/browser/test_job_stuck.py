"""A job whose worker is gone says so instead of polling forever, and Retry brings it back."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD, make_member
from jobs.models import Job
from jobs.services import job_start
from jobs.tests.sample import count_to
from organisations.models import Organisation, Role
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stuck_job_offers_retry_and_finishes_when_retried(page, live_url, settings):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    organiser = make_member(org, "organiser@acme.test", Role.ORGANISER)
    # Recorded, but its task never reached a worker (say, the broker was emptied) and no sweeper ran.
    with mock.patch("jobs.services.enqueue"):
        job = job_start(
            kind="tests.count", task=count_to, organisation=org, started_by=organiser, total=25, task_kwargs={"n": 25}
        )
    long_ago = timezone.now() - timedelta(seconds=settings.JOBS_STUCK_SECONDS + 120)
    Job.objects.filter(pk=job.pk).update(queued_at=long_ago, created_at=long_ago)

    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/jobs/{job.public_id}/")
    expect(page.get_by_role("heading", name="Counting")).to_be_visible()
    expect(page.get_by_text("Stuck: no progress for")).to_be_visible()
    # It does not poll: nothing on the page asks the server again.
    assert page.locator("[hx-trigger]").count() == 0
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_text("Queued again.")).to_be_visible()
    expect(page.get_by_text("Finished.")).to_be_visible()
    expect(page.get_by_text("23 counted · 2 skipped")).to_be_visible()
    assert_accessible(page)
