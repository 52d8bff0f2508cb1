"""Files by kind (issue 8, finding 2): private files have no URL and stay private; public files are
served by a view with sandboxing headers; stored names are random; replacing a file deletes it."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from badges import services as badge_services
from badges.models import Assertion, Quest, Task
from badges.services.issuing import assertion_bake, assertion_issue
from badges.tests.conftest import add_task, publish_activity
from certificates import services as certificate_services
from certificates.models import Certificate
from certificates.tests.factories import accepted, make_individual, make_project
from learnerpass.lib.storage import RandomName, random_name


@pytest.fixture
def fake_pdf(monkeypatch):
    monkeypatch.setattr(
        "certificates.pdf.render_certificate_pdf", lambda certificate: b"%PDF-1.4 " + certificate.code.encode()
    )


@pytest.fixture
def certificate(org, organiser, learner, fake_pdf, django_capture_on_commit_callbacks):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        created = certificate_services.certificate_generate(individual=individual, generated_by=organiser)
    created.refresh_from_db()
    assert created.pdf
    return created


def png(width=40, height=20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def test_random_names_keep_only_a_short_lowercase_extension():
    name = RandomName("evidence")(None, "Lea Martin birth 2004.PDF")
    assert name.startswith("evidence/") and name.endswith(".pdf") and "Lea" not in name
    assert random_name("x", "a.verylongextension").count(".") == 0
    assert random_name("x", "../../etc/passwd").startswith("x/") and ".." not in random_name("x", "../../a")


def test_a_certificate_pdf_is_private_its_name_random_and_it_has_no_url(certificate):
    name = certificate.pdf.name
    # The old path was certificates/pdf/<yyyy>/<mm>/<Holder>-<code>.pdf: guessable from the public page.
    assert certificate.code not in name and "Lea" not in name and "Martin" not in name
    assert storages["private"].exists(name)
    assert not storages["public"].exists(name)
    with pytest.raises(ValueError):
        certificate.pdf.url  # noqa: B018 - a private file has no URL at all


def test_the_public_file_view_never_serves_a_private_file(client, certificate):
    response = client.get(reverse("public_file", kwargs={"name": certificate.pdf.name}))

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["../private/x.pdf", "logos/../../private/x.pdf"])
def test_the_public_file_view_refuses_paths_that_climb_out(client, path):
    assert client.get(f"/files/{path}").status_code in (400, 404)


def test_the_learner_downloads_their_certificate_as_an_attachment_with_safe_headers(login, certificate, learner):
    response = login(learner).get(reverse("certificates:learner_download", kwargs={"code": certificate.code}))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 " + certificate.code.encode()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"


def test_someone_else_gets_404_for_a_certificate_pdf_and_a_visitor_the_sign_in_page(
    client, login, certificate, other_learner
):
    url = reverse("certificates:learner_download", kwargs={"code": certificate.code})

    assert client.get(url).status_code == 302
    assert login(other_learner).get(url).status_code == 404


def test_an_organiser_of_another_organisation_gets_404_for_the_pdf(login, certificate, outsider):
    url = reverse("certificates:certificate_download", kwargs={"org_slug": "acme", "pk": certificate.pk})

    assert login(outsider).get(url).status_code == 404


def test_regenerating_a_certificate_deletes_the_superseded_pdf(
    certificate, organiser, django_capture_on_commit_callbacks
):
    old_name = certificate.pdf.name

    with django_capture_on_commit_callbacks(execute=True):
        newer = certificate_services.certificate_generate(individual=certificate.individual, generated_by=organiser)

    certificate.refresh_from_db()
    newer.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED and not certificate.pdf
    assert not storages["private"].exists(old_name)
    assert newer.pdf and storages["private"].exists(newer.pdf.name)


def test_a_rolled_back_regeneration_keeps_the_pdf(certificate, organiser, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        certificate_services.certificate_generate(individual=certificate.individual, generated_by=organiser)
        raise RuntimeError

    assert storages["private"].exists(certificate.pdf.name)


@pytest.fixture
def assertion(org, organiser, learner):
    activity = publish_activity(org, organiser)
    created, _ = assertion_issue(badge=activity.badge, user=learner, source=Assertion.Source.EMAIL)
    return created


def test_a_baked_image_is_stored_publicly_under_a_random_name(client, assertion):
    assert assertion_bake(assertion_id=assertion.pk)  # what the bake job does for each issued badge
    response = client.get(reverse("badges:assertion_image", kwargs={"public_id": assertion.public_id}))
    assertion.refresh_from_db()

    assert response.status_code == 200
    assert assertion.baked_image.name.startswith("baked/") and assertion.baked_image.name.endswith(".svg")
    assert assertion.public_id not in assertion.baked_image.name
    assert storages["public"].exists(assertion.baked_image.name)


def test_hiding_evidence_deletes_the_baked_image_that_carried_it(
    client, assertion, learner, django_capture_on_commit_callbacks
):
    assertion_bake(assertion_id=assertion.pk)
    assertion.refresh_from_db()
    baked = assertion.baked_image.name

    with django_capture_on_commit_callbacks(execute=True):
        badge_services.assertion_set_evidence_visibility(assertion=assertion, user=learner, show=False)

    assert not storages["public"].exists(baked)
    assertion.refresh_from_db()
    # Baked again (by the bake job) under a new name.
    assert assertion.baked_image.name != baked


def test_replacing_a_badge_image_deletes_the_old_image_and_the_baked_copies(
    client, assertion, organiser, django_capture_on_commit_callbacks
):
    badge = assertion.badge
    with django_capture_on_commit_callbacks(execute=True):
        badge_services.badge_update(
            badge=badge,
            user=organiser,
            name=badge.name,
            description=badge.description,
            criteria="",
            image=SimpleUploadedFile("a.png", png()),
        )
    badge.refresh_from_db()
    first = badge.image.name
    assertion_bake(assertion_id=assertion.pk)
    assertion.refresh_from_db()
    baked = assertion.baked_image.name

    with django_capture_on_commit_callbacks(execute=True):
        badge_services.badge_update(
            badge=badge,
            user=organiser,
            name=badge.name,
            description=badge.description,
            criteria="",
            image=SimpleUploadedFile("b.png", png(30, 30)),
        )

    badge.refresh_from_db()
    assert badge.image.name != first and storages["public"].exists(badge.image.name)
    assert not storages["public"].exists(first)
    assert not storages["public"].exists(baked)


def test_a_resubmitted_evidence_file_deletes_the_rejected_one(
    org, organiser, learner, django_capture_on_commit_callbacks
):
    activity = publish_activity(org, organiser)
    task = add_task(activity.badge, organiser, evidence=Task.Evidence.FILE)
    Quest.objects.create(badge=activity.badge, learner=learner)
    first = badge_services.evidence_submit(
        task=task, learner=learner, file=SimpleUploadedFile("one.pdf", b"%PDF-1.4 one")
    )
    old = first.file.name
    badge_services.evidence_review(
        submission=first, reviewer=organiser, approve=False, comment="More", as_organiser=True
    )

    with django_capture_on_commit_callbacks(execute=True):
        second = badge_services.evidence_submit(
            task=task, learner=learner, file=SimpleUploadedFile("two.pdf", b"%PDF-1.4 two")
        )

    assert not storages["private"].exists(old)
    assert storages["private"].exists(second.file.name) and second.file_name == "two.pdf"


def test_a_logo_is_served_through_the_public_file_view_with_sandboxing_headers(client, org):
    org.logo.save("logo.png", ContentFile(png()))

    url = org.logo.url
    response = client.get(url)

    with storages["public"].open(org.logo.name) as stored:
        assert b"".join(response.streaming_content) == stored.read()
    assert url.startswith("/files/logos/") and not url.startswith("/media/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert not response.get("Content-Disposition", "").startswith("attachment")


def test_a_public_file_that_is_not_an_image_downloads_instead_of_opening(client):
    name = storages["public"].save("logos/x.html", ContentFile(b"<script>alert(1)</script>"))

    response = client.get(reverse("public_file", kwargs={"name": name}))

    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_nothing_is_served_from_a_media_path(client, org):
    org.logo.save("logo.png", ContentFile(png()))

    assert client.get("/media/" + org.logo.name).status_code == 404


def test_files_of_an_existing_installation_move_into_their_storage_once(certificate, settings):
    from pathlib import Path

    from learnerpass.lib.storage import PRIVATE, move_legacy_files

    legacy = "certificates/pdf/2026/11/Lea-Martin-ABCD.pdf"
    Path(settings.MEDIA_ROOT, legacy).parent.mkdir(parents=True)
    Path(settings.MEDIA_ROOT, legacy).write_bytes(b"%PDF-1.4 legacy")
    Certificate.objects.filter(pk=certificate.pk).update(pdf=legacy)

    assert move_legacy_files(Certificate, "pdf", alias=PRIVATE, folder="certificates") == 1
    assert move_legacy_files(Certificate, "pdf", alias=PRIVATE, folder="certificates") == 0

    certificate.refresh_from_db()
    assert certificate.pdf.name.startswith("certificates/") and "Lea" not in certificate.pdf.name
    with certificate.pdf.open("rb") as moved:
        assert moved.read() == b"%PDF-1.4 legacy"
    assert not Path(settings.MEDIA_ROOT, legacy).exists()


def test_healthz_answers_200_without_sign_in_and_without_an_https_redirect(db, client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["checks"]["database"] == "ok"


def test_healthz_answers_503_when_the_database_does_not(db, client, monkeypatch):
    from django.db import DatabaseError

    class Unreachable:
        def cursor(self):
            raise DatabaseError("down")

    monkeypatch.setattr("learnerpass.health.connection", Unreachable())

    assert client.get("/healthz").status_code == 503
