"""Every email of the app renders a subject, a text body and an HTML body from its templates."""

import pytest

from certificates import services
from certificates.tests.factories import make_individual, make_project, submitted
from outbox.models import Email
from outbox.services import render_email

pytestmark = pytest.mark.django_db


def test_every_certificates_email_has_a_subject_and_both_bodies(
    org, organiser, learner, django_capture_on_commit_callbacks
):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    services.individual_request_changes(
        individual=individual, requested_by=organiser, comment="Add <b>one</b> example", field_comments={}
    )
    individual.refresh_from_db()
    services.individual_submit(individual=individual, user=learner, data=individual.draft_data)
    services.individual_accept(individual=individual, accepted_by=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_generate(individual=individual, generated_by=organiser)
    services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Wrong dates")
    kinds = set()
    for email in Email.objects.filter(kind__startswith="certificates_"):
        subject, text, html = render_email(email)
        kinds.add(email.kind)
        assert subject and "\n" not in subject
        assert "Bridges Youth Exchange" in subject + text
        assert text.strip() and "<html" not in text
        assert html.startswith("<!doctype html>") and "LearnerPass" in html
        assert email.context.get("url", "") in text and email.context.get("url", "") in html
    assert kinds == {
        "certificates_connect",
        "certificates_edit",
        "certificates_submitted",
        "certificates_changes_requested",
        "certificates_accepted",
        "certificates_ready",
        "certificates_revoked",
    }
    _, text, html = render_email(Email.objects.get(kind="certificates_changes_requested"))
    assert "Add <b>one</b> example" in text
    assert "Add &lt;b&gt;one&lt;/b&gt; example" in html
