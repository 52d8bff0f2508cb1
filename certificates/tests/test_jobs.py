"""Rendering and the project ZIP as recorded jobs: progress, idempotent re-runs, the ZIP in storage."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import services, tasks
from certificates.models import Certificate
from certificates.tests.factories import accepted, make_individual, make_project
from conftest import make_user
from jobs.models import Job
from jobs.services import jobs_sweep


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def project_of_three(org, organiser):
    project = make_project(org)
    for n in range(3):
        accepted(make_individual(project, f"p{n}@example.test"), make_user(f"l{n}@example.test"), organiser)
    return project


def test_generating_for_a_project_starts_one_render_job_listed_on_the_project_page(
    login, org, organiser, project_of_three, django_capture_on_commit_callbacks
):
    client = login(organiser)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url("project_generate", org, pk=project_of_three.pk))
    job = Job.objects.get(kind="certificates.render")
    assert (job.state, job.total, job.ref_type, job.ref_id) == (
        Job.State.QUEUED,
        3,
        "certificates.project",
        project_of_three.pk,
    )
    assert job.return_url == url("project", org, pk=project_of_three.pk)
    page = client.get(url("project", org, pk=project_of_three.pk)).content.decode()
    assert "Rendering certificates" in page and f"/jobs/{job.public_id}/?reload=1" in page
    assert "Jobs started from this page" in page
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.counts == {"rendered": 3} and job.done == 3
    assert Certificate.objects.exclude(pdf="").count() == 3


def test_a_render_job_run_again_after_a_lost_worker_renders_nothing_twice_and_keeps_every_code(
    org, organiser, project_of_three, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_generate_for_project(project=project_of_three, generated_by=organiser)
    job = Job.objects.get(kind="certificates.render")
    before = {c.pk: (c.code, c.pdf.name) for c in Certificate.objects.all()}
    # As if its worker died after the last PDF but before the job was marked finished.
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1), counts={}, done=0
    )
    jobs_sweep()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.attempts == 2
    assert job.counts == {"rendered": 3}
    assert {c.pk: (c.code, c.pdf.name) for c in Certificate.objects.all()} == before
    assert Certificate.objects.count() == 3


def test_a_certificate_superseded_before_its_turn_is_skipped_with_the_reason(
    org, organiser, project_of_three, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificates = services.certificates_generate_for_project(project=project_of_three, generated_by=organiser)
    Certificate.objects.filter(pk=certificates[0].pk).update(status=Certificate.Status.SUPERSEDED)
    for callback in callbacks:
        callback()
    job = Job.objects.get(kind="certificates.render")
    assert job.counts == {"rendered": 2, "skipped": 1}
    assert job.reasons == {"skipped": {"Superseded or revoked before its turn.": 1}}


def test_generating_one_certificate_shows_its_job_on_the_individual_page(
    login, org, organiser, learner, django_capture_on_commit_callbacks
):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    client = login(organiser)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url("individual_generate", org, pk=individual.pk))
    job = Job.objects.get(kind="certificates.render")
    assert job.ref_type == "certificates.individual" and job.total == 1
    page = client.get(url("individual", org, pk=individual.pk)).content.decode()
    assert f"/jobs/{job.public_id}/?reload=1" in page and "Waiting for a worker" in page


def test_a_stuck_render_job_says_so_on_the_project_page_with_retry(
    login, org, organiser, project_of_three, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.certificates_generate_for_project(project=project_of_three, generated_by=organiser)
    job = Job.objects.get()
    long_ago = timezone.now() - timedelta(seconds=settings.JOBS_STUCK_SECONDS + 10)
    Job.objects.filter(pk=job.pk).update(queued_at=long_ago)
    page = login(organiser).get(url("project", org, pk=project_of_three.pk)).content.decode()
    assert "Stuck: no progress for" in page and "Retry" in page
    assert 'hx-trigger="every 1.0s"' not in page


def test_the_zip_is_built_by_a_job_into_storage_and_downloaded_afterwards(
    login, org, organiser, project_of_three, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_generate_for_project(project=project_of_three, generated_by=organiser)
    client = login(organiser)
    assert client.get(url("project_zip", org, pk=project_of_three.pk)).status_code == 404
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url("project_zip_prepare", org, pk=project_of_three.pk))
    job = Job.objects.get(kind="certificates.zip")
    page = client.get(url("project", org, pk=project_of_three.pk)).content.decode()
    assert "Preparing the ZIP of all PDFs" in page and "Download all PDFs" not in page
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.counts == {"added": 3} and job.result_file
    # A random name: never derived from the project or its codes.
    assert project_of_three.title.lower()[:5] not in job.result_file.name.lower()
    response = client.get(url("project_zip", org, pk=project_of_three.pk))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 3


def test_a_new_zip_replaces_the_older_file(login, org, organiser, project_of_three, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_generate_for_project(project=project_of_three, generated_by=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.certificates_zip_start(project=project_of_three, started_by=organiser)
    first.refresh_from_db()
    storage, old_name = first.result_file.storage, first.result_file.name
    assert storage.exists(old_name)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_zip_start(project=project_of_three, started_by=organiser)
    first.refresh_from_db()
    assert not first.result_file and not storage.exists(old_name)


def test_a_zip_is_refused_before_anything_rendered_and_while_one_is_being_prepared(
    login, org, organiser, project_of_three, django_capture_on_commit_callbacks
):
    client = login(organiser)
    response = client.post(url("project_zip_prepare", org, pk=project_of_three.pk), follow=True)
    assert "No certificate of this project is rendered yet." in response.content.decode()
    assert not Job.objects.filter(kind="certificates.zip").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_generate_for_project(project=project_of_three, generated_by=organiser)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url("project_zip_prepare", org, pk=project_of_three.pk))
        response = client.post(url("project_zip_prepare", org, pk=project_of_three.pk), follow=True)
    assert "being prepared already" in response.content.decode()
    assert Job.objects.filter(kind="certificates.zip").count() == 1


def test_the_zip_task_run_twice_builds_one_archive(
    org, organiser, project_of_three, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_generate_for_project(project=project_of_three, generated_by=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.certificates_zip_start(project=project_of_three, started_by=organiser)
    job.refresh_from_db()
    name = job.result_file.name
    tasks.build_zip(job_id=job.pk, project_id=project_of_three.pk)
    job.refresh_from_db()
    assert job.result_file.name == name and job.attempts == 1


def test_another_organisation_cannot_download_or_prepare_the_zip(
    login, org, organiser, outsider, project_of_three, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_generate_for_project(project=project_of_three, generated_by=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_zip_start(project=project_of_three, started_by=organiser)
    client = login(outsider)
    assert client.get(url("project_zip", org, pk=project_of_three.pk)).status_code == 404
    assert client.post(url("project_zip_prepare", org, pk=project_of_three.pk)).status_code == 404
