"""Issuing to a pasted list of emails, and the emailed link that claims a badge into an account."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from badges import services
from badges.models import Assertion, AssertionClaim, BadgeEvent
from conftest import make_user
from outbox.models import Email
from outbox.services import render_email


def test_parsing_a_pasted_list_names_invalid_entries_and_repeats():
    valid, invalid, duplicates = services.parse_emails("a@x.test, B@X.test;\nnot-an-email  a@x.test <c@x.test>\n\n")

    assert valid == ["a@x.test", "b@x.test", "c@x.test"]
    assert invalid == ["not-an-email"]
    assert duplicates == ["a@x.test"]


def test_issuing_to_emails_skips_duplicates_and_existing_holders(badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="old@example.test", issued_by=organiser)

    report = services.badge_issue_to_emails(
        badge=badge, text="new@example.test, old@example.test, new@example.test, broken@", issued_by=organiser
    )

    assert report.issued == ["new@example.test"]
    assert report.already_held == ["old@example.test"]
    assert report.duplicates == ["new@example.test"]
    assert report.invalid == ["broken@"]
    assert Assertion.objects.filter(badge=badge).count() == 2
    assert BadgeEvent.objects.filter(action=BadgeEvent.Action.ISSUED).count() == 2


def test_each_recipient_gets_an_email_with_a_claim_link_in_both_bodies(badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser)

    email = Email.objects.get(to="ana@example.test")
    subject, text, html = render_email(email)

    assert email.kind == "badge_awarded"
    assert "Forest first aid" in subject and "Acme Learning" in subject
    assert "/badges/accept/" in text and "/badges/accept/" in html
    assert Assertion.objects.get().public_id in text
    assert email.ref_type == "badges.assertion"


def test_a_recipient_with_a_verified_account_gets_the_badge_there_at_once(badge, organiser, learner):
    services.badge_issue_to_emails(badge=badge, text="LEARNER@example.test", issued_by=organiser)

    assert Assertion.objects.get().recipient == learner


def test_emails_are_queued_and_sent_after_commit(badge, organiser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_issue_to_emails(badge=badge, text="a@example.test b@example.test", issued_by=organiser)

    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}


def issue_and_get_token(badge, organiser, email="ana@example.test") -> str:
    services.badge_issue_to_emails(badge=badge, text=email, issued_by=organiser)
    _, text, _ = render_email(Email.objects.filter(to=email).latest("id"))
    return text.split("/badges/accept/")[1].split("/")[0]


def test_following_the_emailed_link_shows_a_button_and_only_post_claims(login, badge, organiser):
    token = issue_and_get_token(badge, organiser)
    learner = make_user("ana@example.test")  # signed up after the badge was sent to her address
    client = login(learner)
    url = reverse("badges:accept", kwargs={"token": token})

    page = client.get(url)
    assert page.status_code == 200 and b"Add to my account" in page.content
    assert Assertion.objects.get().recipient is None

    response = client.post(url)
    assert response.status_code == 302
    assertion = Assertion.objects.get()
    assert assertion.recipient == learner
    assert AssertionClaim.objects.get().used_at is not None


def test_a_used_link_is_refused(login, badge, organiser):
    token = issue_and_get_token(badge, organiser)
    client = login(make_user("ana@example.test"))
    client.post(reverse("badges:accept", kwargs={"token": token}))

    response = client.get(reverse("badges:accept", kwargs={"token": token}))

    assert response.status_code == 410
    assert b"already been claimed" in response.content


def test_an_expired_link_is_refused(login, badge, organiser, learner):
    token = issue_and_get_token(badge, organiser)
    AssertionClaim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = login(learner).post(reverse("badges:accept", kwargs={"token": token}))

    assert response.status_code == 410
    assert Assertion.objects.get().recipient is None


def test_the_link_of_a_revoked_badge_is_refused(login, badge, organiser, learner):
    token = issue_and_get_token(badge, organiser)
    services.assertion_revoke(assertion=Assertion.objects.get(), reason="Mistake", user=organiser)

    response = login(learner).get(reverse("badges:accept", kwargs={"token": token}))

    assert response.status_code == 410
    assert b"revoked" in response.content


@pytest.mark.django_db
def test_an_unknown_link_is_404(client):
    assert client.get(reverse("badges:accept", kwargs={"token": "nope"})).status_code == 404


def test_a_signed_out_visitor_is_offered_sign_in_with_the_email_filled_in(client, badge, organiser):
    token = issue_and_get_token(badge, organiser)

    page = client.get(reverse("badges:accept", kwargs={"token": token}))

    assert b"Sign in" in page.content
    assert b"email=ana%40example.test" in page.content


def test_the_issue_view_reports_what_happened(login, org, organiser, badge):
    url = reverse("badges:badge_issue", kwargs={"org_slug": org.slug, "public_id": badge.public_id})

    response = login(organiser).post(url, {"emails": "a@example.test, nope"}, follow=True)

    text = response.content.decode()
    assert "Badge issued to 1 person; they get an email to claim it." in text
    assert "1 people" not in text
    assert "Not valid email addresses: nope" in text


def test_a_revoked_holder_can_be_issued_the_badge_again(badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser)
    services.assertion_revoke(assertion=Assertion.objects.get(), reason="Wrong date", user=organiser)

    report = services.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser)

    assert report.issued == ["ana@example.test"]
    assert Assertion.objects.filter(revoked_at__isnull=True).count() == 1


def test_holders_download_as_csv_with_formulas_neutralised(login, org, organiser, badge):
    services.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser)
    services.assertion_revoke(assertion=Assertion.objects.get(), reason="=HYPERLINK(1)", user=organiser)
    url = reverse("badges:badge_holders_csv", kwargs={"org_slug": org.slug, "public_id": badge.public_id})

    response = login(organiser).get(url)

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "ana@example.test" in body and "'=HYPERLINK(1)" in body


def test_revoking_from_the_badge_page_needs_a_reason_and_happens_once(login, org, organiser, badge):
    services.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser)
    assertion = Assertion.objects.get()
    url = reverse("badges:assertion_revoke", kwargs={"org_slug": org.slug, "public_id": assertion.public_id})
    client = login(organiser)

    without_reason = client.post(url, {"reason": ""}, follow=True)
    assertion.refresh_from_db()
    assert "Give a reason" in without_reason.content.decode() and assertion.revoked_at is None

    revoked = client.post(url, {"reason": "Wrong person"}, follow=True)
    twice = client.post(url, {"reason": "Again"}, follow=True)

    assert "Badge of ana@example.test revoked." in revoked.content.decode()
    assert "This badge is already revoked." in twice.content.decode()
    assertion.refresh_from_db()
    assert assertion.revocation_reason == "Wrong person"
    assert BadgeEvent.objects.filter(action=BadgeEvent.Action.REVOKED).count() == 1


def test_the_expiry_chosen_on_the_issue_form_is_given_to_the_badge(login, org, organiser, badge):
    url = reverse("badges:badge_issue", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    client = login(organiser)

    past = client.post(url, {"emails": "old@example.test", "expires": "2000-01-01T00:00"}, follow=True)
    client.post(url, {"emails": "ana@example.test", "expires": "2099-06-30T12:00"})

    assert "The expiry date must be in the future." in past.content.decode()
    assert not Assertion.objects.filter(recipient_email="old@example.test").exists()
    expires = Assertion.objects.get(recipient_email="ana@example.test").expires
    assert (expires.year, expires.month, expires.day, expires.hour) == (2099, 6, 30, 12)
