"""Holders are told when their badge is revoked: an email with the issuer's reason; /me/ keeps the badge,
marked revoked."""

import pytest
from django.urls import reverse

from badges import services
from badges.models import Assertion
from outbox.models import Email
from outbox.services import render_email


@pytest.fixture
def held(badge, learner):
    services.badge_link_claim(code=badge.link.code, user=learner)
    Email.objects.all().delete()
    return Assertion.objects.get()


def test_revoking_emails_the_holder_with_the_reason(django_capture_on_commit_callbacks, held, organiser, learner):
    with django_capture_on_commit_callbacks(execute=True):
        services.assertion_revoke(assertion=held, reason="Attendance <not> confirmed", user=organiser)

    email = Email.objects.get(kind="badge_revoked")
    assert email.to == learner.email
    assert (email.ref_type, email.ref_id) == ("badges.assertion", held.pk)
    subject, text, html = render_email(email)
    assert subject == "Your badge “Forest first aid” was revoked"
    assert "Acme Learning revoked your Open Badge “Forest first aid”" in text
    assert "Attendance <not> confirmed" in text
    assert "Attendance &lt;not&gt; confirmed" in html and "<not>" not in html
    for body in (text, html):
        assert "http://testserver/me/" in body


def test_a_badge_issued_to_an_address_tells_that_address(badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="someone@example.test", issued_by=organiser)

    services.assertion_revoke(assertion=Assertion.objects.get(), reason="Wrong person.", user=organiser)

    assert list(Email.objects.filter(kind="badge_revoked").values_list("to", flat=True)) == ["someone@example.test"]


def test_a_refused_revocation_emails_nobody(held, organiser):
    with pytest.raises(services.BadgesError):
        services.assertion_revoke(assertion=held, reason="  ", user=organiser)
    services.assertion_revoke(assertion=held, reason="Mistake.", user=organiser)
    with pytest.raises(services.BadgesError):
        services.assertion_revoke(assertion=held, reason="Again.", user=organiser)

    assert Email.objects.filter(kind="badge_revoked").count() == 1


def test_me_keeps_the_badge_marked_revoked_with_the_reason(login, held, organiser, learner):
    services.assertion_revoke(assertion=held, reason="Attendance not confirmed", user=organiser)

    page = login(learner).get(reverse("me")).content.decode()

    assert "Forest first aid" in page and "Revoked" in page and "Attendance not confirmed" in page
