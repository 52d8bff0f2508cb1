"""The progress partial, the job page, Retry, and who may see them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from conftest import make_member
from jobs.models import Job
from jobs.selectors import jobs_about
from organisations.models import Role

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(job, name="detail"):
    return reverse(f"jobs:{name}", kwargs={"org_slug": job.organisation.slug, "public_id": job.public_id})


def _set(job, **fields):
    Job.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def test_a_running_job_reads_as_counts_with_thousands_separators_and_keeps_polling(login, organiser, start):
    job = _set(start(run=False), state=Job.State.RUNNING, done=41_200, total=100_000, heartbeat_at=timezone.now())
    response = login(organiser).get(url(job), **HTMX)
    html = response.content.decode()
    assert "41,200 of 100,000 counted" in html
    assert 'hx-trigger="every 1.0s"' in html
    assert 'aria-valuenow="41"' in html


def test_the_counts_use_the_french_separator_in_french(login, organiser, start):
    job = _set(start(run=False), state=Job.State.RUNNING, done=41_200, total=100_000, heartbeat_at=timezone.now())
    client = login(organiser)
    client.cookies["django_language"] = "fr"
    html = client.get(url(job), **HTMX).content.decode()
    assert "41\u202f200" in html or "41\xa0200" in html or "41 200" in html


def test_a_finished_job_says_what_happened_and_stops_polling(login, organiser, start):
    job = start(20)
    html = login(organiser).get(url(job), **HTMX).content.decode()
    assert "Finished." in html
    assert "18 counted · 2 skipped" in html
    assert "Every tenth is skipped. (2)" in html
    assert "hx-trigger" not in html
    assert "Retry" not in html


def test_a_failed_job_shows_its_reason(login, organiser, start):
    job = start(10, refuse="The file is gone.")
    html = login(organiser).get(url(job), **HTMX).content.decode()
    assert "Failed." in html and "The file is gone." in html and "hx-trigger" not in html


def test_a_stuck_job_says_so_and_offers_retry_instead_of_polling(login, organiser, start, settings):
    old = timezone.now() - timedelta(seconds=settings.JOBS_STUCK_SECONDS + 60)
    job = _set(start(run=False), state=Job.State.RUNNING, heartbeat_at=old, total=10, done=3)
    html = login(organiser).get(url(job), **HTMX).content.decode()
    assert "Stuck: no progress for" in html
    assert "3 of 10 counted" in html
    assert url(job, "retry") in html
    assert "hx-trigger" not in html


def test_retry_queues_a_stuck_job_again_and_it_finishes(
    login, organiser, start, settings, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(seconds=settings.JOBS_STUCK_SECONDS + 60)
    job = _set(start(run=False), state=Job.State.RUNNING, heartbeat_at=old, attempts=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(organiser).post(url(job, "retry"), {"next": f"/o/{job.organisation.slug}/"})
    assert response.status_code == 302 and response["Location"] == f"/o/{job.organisation.slug}/"
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.attempts == 1


def test_retry_refuses_a_job_that_is_not_stuck_and_changes_nothing(login, organiser, start):
    job = start(10)
    response = login(organiser).post(url(job, "retry"), follow=True)
    assert "This job is not stuck" in response.content.decode()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.attempts == 1


def test_retry_needs_a_post(login, organiser, start):
    assert login(organiser).get(url(start(run=False), "retry")).status_code == 405


def test_a_page_that_asked_for_it_is_reloaded_when_its_job_finishes(login, organiser, start):
    job = start(5)
    response = login(organiser).get(url(job) + "?reload=1", **HTMX)
    assert response["HX-Refresh"] == "true"
    running = _set(start(run=False), state=Job.State.RUNNING, heartbeat_at=timezone.now())
    response = login(organiser).get(url(running) + "?reload=1", **HTMX)
    assert "HX-Refresh" not in response
    assert "?reload=1" in response.content.decode()


def test_the_job_page_shows_the_progress_and_the_way_back(login, organiser, start):
    job = start(5)
    html = login(organiser).get(url(job)).content.decode()
    assert "<h1" in html and "Counting" in html
    assert f'href="/o/{job.organisation.slug}/"' in html
    assert 'id="job-' in html


def test_signed_out_visitors_are_sent_to_sign_in(client, start):
    job = start(run=False)
    response = client.get(url(job))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(url(job, "retry")).status_code == 302


def test_another_organisation_sees_no_job(login, outsider, start):
    job = start(run=False)
    client = login(outsider)
    assert client.get(url(job)).status_code == 404
    other_slug = reverse("jobs:detail", kwargs={"org_slug": "other", "public_id": job.public_id})
    assert client.get(other_slug).status_code == 404
    assert client.post(url(job, "retry")).status_code == 404


def test_a_member_without_the_kinds_role_is_refused(login, learning_manager, start):
    job = start(run=False)
    assert login(learning_manager).get(url(job)).status_code == 403
    assert login(learning_manager).post(url(job, "retry")).status_code == 403


def test_the_person_who_started_a_job_may_watch_it_whatever_their_role(login, learning_manager, start):
    job = start(run=False, started_by=learning_manager)
    assert login(learning_manager).get(url(job)).status_code == 200


def test_admins_may_watch_every_job(login, org_admin, start):
    assert login(org_admin).get(url(start(run=False))).status_code == 200


def test_the_list_of_jobs_started_here_costs_the_same_whatever_its_length(org, organiser, start):
    request = RequestFactory().get("/")
    request.user = organiser
    for _ in range(2):
        start(3)

    def render():
        jobs = jobs_about(org)
        with CaptureQueriesContext(connection) as queries:
            html = render_to_string("jobs/_list.html", {"jobs": jobs, "request": request})
        return html, len(queries)

    with CaptureQueriesContext(connection) as fetch:
        jobs_about(org)
    # one query: the jobs with who started them and their organisation
    assert len(fetch) == 1
    html, rendering = render()
    assert rendering == 0
    for _ in range(5):
        start(3, started_by=make_member(org, f"o{_}@acme.test", Role.ORGANISER))
    with CaptureQueriesContext(connection) as fetch:
        jobs = jobs_about(org)
    assert len(fetch) == 1 and len(jobs) == 7
    assert "3 of 3 counted" in render()[0]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_partials_render_in_every_language(start, organiser, language):
    request = RequestFactory().get("/")
    request.user = organiser
    job = start(3)
    with translation.override(language):
        assert render_to_string("jobs/_progress.html", {"job": job, "request": request})
