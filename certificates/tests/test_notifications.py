"""The learner hears when their certificate is ready and when it is revoked; /me/ keeps a revoked one, marked."""

import pytest
from django.urls import reverse

from certificates import services
from certificates.models import Certificate
from certificates.tests.factories import accepted, make_individual, make_project
from outbox.models import Email
from outbox.services import render_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def individual(org, organiser, learner):
    return accepted(make_individual(make_project(org)), learner, organiser)


def _rendered(individual, organiser, django_capture_on_commit_callbacks) -> Certificate:
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_generate(individual=individual, generated_by=organiser)
    certificate.refresh_from_db()
    assert certificate.pdf
    return certificate


def test_the_learner_is_emailed_when_the_certificate_is_ready_with_download_and_verification_links(
    organiser, individual, django_capture_on_commit_callbacks
):
    certificate = _rendered(individual, organiser, django_capture_on_commit_callbacks)
    email = Email.objects.get(kind="certificates_ready")
    assert email.to == "learner@example.test" and email.ref_id == certificate.individual_id
    subject, text, html = render_email(email)
    assert "Bridges Youth Exchange" in subject
    download = reverse("certificates:learner_download", kwargs={"code": certificate.code})
    for body in (text, html):
        assert certificate.code in body and download in body and certificate.verify_url in body


def test_rendering_twice_emails_once(organiser, individual, django_capture_on_commit_callbacks):
    certificate = _rendered(individual, organiser, django_capture_on_commit_callbacks)
    assert services.certificate_render(certificate_id=certificate.pk) is False
    assert Email.objects.filter(kind="certificates_ready").count() == 1


def test_a_certificate_that_fails_to_render_sends_no_ready_email(organiser, individual, monkeypatch):
    import certificates.pdf

    monkeypatch.setattr(certificates.pdf, "render_certificate_pdf", lambda c: (_ for _ in ()).throw(ValueError("x")))
    certificate = services.certificates._generate(individual, organiser)
    with pytest.raises(ValueError):
        services.certificate_render(certificate_id=certificate.pk)
    assert not Email.objects.filter(kind="certificates_ready").exists()


def test_a_learner_without_an_account_gets_the_verification_link_only(
    organiser, individual, django_capture_on_commit_callbacks
):
    services.individual_disconnect(individual=individual, disconnected_by=organiser)
    individual.refresh_from_db()
    certificate = _rendered(individual, organiser, django_capture_on_commit_callbacks)
    _, text, html = render_email(Email.objects.get(kind="certificates_ready"))
    assert certificate.verify_url in text
    assert "/me/certificate-pdf/" not in text + html


def test_the_learner_is_emailed_with_the_reason_when_a_certificate_is_revoked(
    organiser, individual, django_capture_on_commit_callbacks
):
    certificate = _rendered(individual, organiser, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="The dates were <wrong>")
    email = Email.objects.get(kind="certificates_revoked")
    subject, text, html = render_email(email)
    assert email.to == "learner@example.test" and certificate.code in text
    assert "The dates were <wrong>" in text and "The dates were &lt;wrong&gt;" in html
    assert certificate.verify_url in text and certificate.verify_url in html


def test_a_refused_revocation_emails_nobody(organiser, individual):
    certificate = services.certificates._generate(individual, organiser)
    services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Wrong dates")
    with pytest.raises(services.CertificatesError):
        services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Again")
    assert Email.objects.filter(kind="certificates_revoked").count() == 1


def test_my_learning_keeps_a_revoked_certificate_marked_revoked_with_the_reason(
    login, organiser, learner, individual, django_capture_on_commit_callbacks
):
    certificate = _rendered(individual, organiser, django_capture_on_commit_callbacks)
    services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Issued by mistake")
    body = login(learner).get(reverse("me")).content.decode()
    assert certificate.code in body and "Revoked" in body and "Issued by mistake" in body
    # Nothing to download: the link goes to the verification page, which says revoked too.
    assert reverse("certificates:learner_download", kwargs={"code": certificate.code}) not in body
    assert reverse("certificates:verify", kwargs={"code": certificate.code}) in body


def test_my_learning_does_not_list_a_superseded_certificate(
    login, organiser, learner, individual, django_capture_on_commit_callbacks
):
    old = _rendered(individual, organiser, django_capture_on_commit_callbacks)
    new = _rendered(individual, organiser, django_capture_on_commit_callbacks)
    body = login(learner).get(reverse("me")).content.decode()
    assert new.code in body and old.code not in body
