"""A QR claim started on a phone survives confirming the new account's email in another browser: the
badge link is recorded against the account when its confirmation email is sent, and /me/ offers to
continue claiming it until it is claimed."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from badges import selectors, services
from badges.models import Assertion, PendingLinkClaim
from badges.receivers import SESSION_KEY
from badges.tests.conftest import add_task
from conftest import PASSWORD, make_user
from outbox.models import Email

pytestmark = pytest.mark.django_db


def claim_url(badge):
    return reverse("badges:claim", kwargs={"code": badge.link.code})


def confirmation_link(email: str) -> str:
    message = Email.objects.filter(to=email).order_by("-id").first()
    return re.search(r"/accounts/confirm-email/[^\s\"<]+/", message.body_text).group(0)


def sign_up_on_the_phone(phone: Client, badge, email: str):
    phone.get(claim_url(badge))
    signup = reverse("account_signup") + "?next=" + claim_url(badge)
    response = phone.post(signup, {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    return response


def test_opening_a_badge_link_signed_out_remembers_it_in_the_session(client, badge):
    client.get(claim_url(badge))

    assert client.session[SESSION_KEY] == [badge.link.code]


def test_signing_up_after_scanning_records_the_claim_for_the_new_account(client, badge):
    sign_up_on_the_phone(client, badge, "phone@example.test")

    pending = PendingLinkClaim.objects.get()
    assert pending.user.email == "phone@example.test" and pending.link == badge.link


def test_confirming_in_another_browser_offers_to_continue_the_claim_on_me(badge):
    phone, laptop = Client(), Client()
    sign_up_on_the_phone(phone, badge, "phone@example.test")

    # The laptop opens the emailed confirmation link and confirms, then signs in.
    link = confirmation_link("phone@example.test")
    laptop.post(link)
    laptop.post(reverse("account_login"), {"login": "phone@example.test", "password": PASSWORD})
    me = laptop.get(reverse("me")).content.decode()

    assert "Continue claiming" in me and badge.name in me
    assert claim_url(badge) in me

    laptop.post(claim_url(badge))
    assertion = Assertion.objects.get()
    assert assertion.recipient.email == "phone@example.test"
    assert not PendingLinkClaim.objects.exists()
    assert "Continue claiming" not in laptop.get(reverse("me")).content.decode()


def test_an_existing_unconfirmed_account_signing_in_from_the_phone_gets_the_claim_too(client, badge):
    user = make_user("unconfirmed@example.test")
    user.emailaddress_set.update(verified=False)
    client.get(claim_url(badge))

    client.post(reverse("account_login"), {"login": "unconfirmed@example.test", "password": PASSWORD})

    assert PendingLinkClaim.objects.get().user == user


def test_a_quest_badge_continues_into_its_quest(login, badge, organiser, learner):
    add_task(badge, organiser)
    services.link_claims_remember(user=learner, codes=[badge.link.code])
    client = login(learner)

    response = client.post(claim_url(badge))

    assert response["Location"] == reverse("badges:quest", kwargs={"public_id": badge.public_id})
    assert not PendingLinkClaim.objects.exists()


def test_a_link_turned_off_meanwhile_is_not_offered(badge, organiser, learner):
    services.link_claims_remember(user=learner, codes=[badge.link.code])
    services.badge_link_update(
        badge=badge, user=organiser, enabled=False, expires_at=None, max_claims=None, new_code=False
    )

    assert selectors.learner_dashboard(learner)["pending_claims"] == []


def test_a_badge_already_held_is_not_offered_again(badge, organiser, learner):
    services.badge_issue_to_emails(badge=badge, text=learner.email, issued_by=organiser)
    services.link_claims_remember(user=learner, codes=[badge.link.code, "unknown-code"])

    assert selectors.learner_dashboard(learner)["pending_claims"] == []
    assert PendingLinkClaim.objects.count() == 1


def test_only_the_last_few_links_are_remembered(client, org, organiser):
    from badges.tests.conftest import publish_activity

    badges = [publish_activity(org, organiser, title=f"Badge {n}").badge for n in range(7)]
    for badge in badges:
        client.get(claim_url(badge))

    assert client.session[SESSION_KEY] == [b.link.code for b in badges[-5:]]


def test_a_link_that_expired_meanwhile_is_not_offered_and_a_live_one_is(badge, organiser, learner):
    services.link_claims_remember(user=learner, codes=[badge.link.code])
    (offered,) = selectors.learner_dashboard(learner)["pending_claims"]
    assert offered.link.code == badge.link.code
    services.badge_link_update(
        badge=badge,
        user=organiser,
        enabled=True,
        expires_at=timezone.now() - timedelta(minutes=1),
        max_claims=None,
        new_code=False,
    )

    assert selectors.learner_dashboard(learner)["pending_claims"] == []
