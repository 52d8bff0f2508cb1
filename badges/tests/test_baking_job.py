"""Baked images are stored by a recorded job started at issue time, never by a request."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from badges import services, tasks
from badges.baking import unbake
from badges.models import Assertion
from badges.services import issuing
from badges.tests.test_images import png_bytes
from jobs.models import Job


def test_issuing_to_emails_starts_one_bake_job_that_stores_every_image_after_commit(
    badge, organiser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.badge_issue_to_emails(badge=badge, text="a@example.test\nb@example.test", issued_by=organiser)
    job = Job.objects.get(kind="badges.bake")
    assert (job.state, job.total, job.ref_type, job.started_by) == (Job.State.QUEUED, 2, "badges.badgeclass", organiser)
    assert not Assertion.objects.exclude(baked_image="").exists()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.counts == {"baked": 2}
    for assertion in Assertion.objects.all():
        with assertion.baked_image.open("rb") as handle:
            assert json.loads(unbake(handle.read()))["id"].endswith(assertion.public_id)


def test_a_bake_job_run_again_bakes_nothing_twice(badge, organiser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_issue_to_emails(badge=badge, text="a@example.test", issued_by=organiser)
    assertion = Assertion.objects.get()
    name = assertion.baked_image.name
    job = Job.objects.get(kind="badges.bake")
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED)
    tasks.bake_images(job_id=job.pk, assertion_ids=[assertion.pk])
    assertion.refresh_from_db()
    job.refresh_from_db()
    assert assertion.baked_image.name == name
    assert job.counts == {"skipped": 1} and job.reasons == {"skipped": {"Baked already, or revoked.": 1}}


def test_changing_the_badge_image_bakes_every_live_assertion_again_in_the_background(
    badge, organiser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_issue_to_emails(badge=badge, text="a@example.test\nb@example.test", issued_by=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_update(
            badge=badge,
            user=organiser,
            name=badge.name,
            description=badge.description,
            criteria=badge.criteria,
            image=SimpleUploadedFile("b.png", png_bytes()),
        )
    jobs = Job.objects.filter(kind="badges.bake").order_by("created_at")
    assert jobs.count() == 2 and jobs.last().counts == {"baked": 2}
    for assertion in Assertion.objects.all():
        assert assertion.baked_image.name.endswith(".png")


def test_hiding_evidence_bakes_the_holders_image_again(badge, organiser, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assertion, _created = issuing.assertion_issue(badge=badge, user=learner, source=Assertion.Source.LINK)
    assertion.refresh_from_db()
    assert assertion.baked_image
    with django_capture_on_commit_callbacks(execute=True):
        services.assertion_set_evidence_visibility(assertion=assertion, user=learner, show=False)
    assertion.refresh_from_db()
    assert assertion.baked_image and not assertion.show_evidence
    assert Job.objects.filter(kind="badges.bake").count() == 2


def test_a_revoked_assertion_is_not_baked(badge, organiser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.badge_issue_to_emails(badge=badge, text="a@example.test", issued_by=organiser)
    assertion = Assertion.objects.get()
    services.assertion_revoke(assertion=assertion, user=organiser, reason="Issued by mistake")
    assert services.assertion_bake(assertion_id=assertion.pk) is False
    assertion.refresh_from_db()
    assert not assertion.baked_image
