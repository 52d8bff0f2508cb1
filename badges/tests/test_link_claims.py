"""The badge's URL link and QR code: on/off, expiry, maximum claims, and one badge per person."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from badges import services
from badges.models import Assertion, BadgeLink, Quest
from badges.tests.conftest import add_task, enable_link
from conftest import make_user


def claim_url(link):
    return reverse("badges:claim", kwargs={"code": link.code})


def test_a_badge_without_tasks_is_given_at_once(login, badge, organiser, learner):
    link = enable_link(badge, organiser)
    client = login(learner)

    assert b"Claim this badge" in client.get(claim_url(link)).content
    response = client.post(claim_url(link))

    assertion = Assertion.objects.get()
    assert response.status_code == 302 and response["Location"] == assertion.get_absolute_url()
    assert assertion.recipient == learner and assertion.source == Assertion.Source.LINK
    assert BadgeLink.objects.get().claims_count == 1


def test_claiming_twice_gives_one_badge_and_counts_once(badge, organiser, learner):
    link = enable_link(badge, organiser)

    first = services.badge_link_claim(code=link.code, user=learner)
    second = services.badge_link_claim(code=link.code, user=learner)

    assert first.created and not second.created
    assert first.assertion == second.assertion
    assert Assertion.objects.count() == 1
    assert BadgeLink.objects.get().claims_count == 1


def test_a_badge_with_evidence_tasks_starts_the_quest(login, badge, organiser, learner):
    add_task(badge, organiser)
    link = enable_link(badge, organiser)

    response = login(learner).post(claim_url(link))

    assert response["Location"] == reverse("badges:quest", kwargs={"public_id": badge.public_id})
    assert Quest.objects.get().learner == learner
    assert not Assertion.objects.exists()


def test_a_new_badge_has_its_link_on_from_the_start(login, badge, learner):
    assert badge.link.enabled is True

    response = login(learner).post(claim_url(badge.link))

    assert response.status_code == 302
    assert Assertion.objects.get().recipient == learner


def test_a_link_that_is_off_is_refused(login, badge, organiser, learner):
    services.badge_link_update(
        badge=badge, user=organiser, enabled=False, expires_at=None, max_claims=None, new_code=False
    )

    response = login(learner).post(claim_url(badge.link))

    assert response.status_code == 410
    assert not Assertion.objects.exists()


def test_an_expired_link_is_refused(login, badge, organiser, learner):
    link = enable_link(badge, organiser, expires_at=timezone.now() - timedelta(minutes=1))

    response = login(learner).get(claim_url(link))

    assert response.status_code == 410
    assert b"expired" in response.content


def test_the_maximum_number_of_claims_is_kept(badge, organiser, learner, other_learner):
    link = enable_link(badge, organiser, max_claims=1)
    services.badge_link_claim(code=link.code, user=learner)

    with pytest.raises(services.BadgesError, match="as many times"):
        services.badge_link_claim(code=link.code, user=other_learner)
    # The holder may still open it and gets what they have.
    assert services.badge_link_claim(code=link.code, user=learner).assertion is not None
    assert BadgeLink.objects.get().claims_count == 1


def test_a_new_link_replaces_the_old_one(badge, organiser, learner):
    old = enable_link(badge, organiser).code
    services.badge_link_update(
        badge=badge, user=organiser, enabled=True, expires_at=None, max_claims=None, new_code=True
    )

    with pytest.raises(services.BadgesError):
        services.badge_link_claim(code=old, user=learner)


def test_an_unpublished_activity_link_stops_working(badge, activity, organiser, learner):
    link = enable_link(badge, organiser)
    services.activity_unpublish(activity=activity, user=organiser)

    with pytest.raises(services.BadgesError, match="not available"):
        services.badge_link_claim(code=link.code, user=learner)


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(client, badge, organiser):
    link = enable_link(badge, organiser)

    page = client.get(claim_url(link))
    response = client.post(claim_url(link))

    assert b"Create an account" in page.content
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


def test_a_badge_sent_by_email_is_attached_when_its_holder_claims_by_link(badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="later@example.test", issued_by=organiser)
    person = make_user("later@example.test")
    Assertion.objects.update(recipient=None)
    link = enable_link(badge, organiser)

    result = services.badge_link_claim(code=link.code, user=person)

    assert Assertion.objects.count() == 1
    assert result.assertion.recipient == person


def test_link_settings_are_saved_from_the_badge_page(login, org, organiser, badge):
    url = reverse("badges:badge_link", kwargs={"org_slug": org.slug, "public_id": badge.public_id})

    login(organiser).post(url, {"enabled": "on", "max_claims": "30", "expires_at": "2099-01-01T10:00"})

    link = BadgeLink.objects.get()
    assert link.enabled and link.max_claims == 30
    assert link.expires_at.year == 2099


@pytest.mark.parametrize(
    ("kind", "content_type", "start"), [("png", "image/png", b"\x89PNG"), ("svg", "image/svg+xml", b"<svg")]
)
def test_the_qr_code_downloads_as_png_and_svg(login, org, organiser, badge, kind, content_type, start):
    url = reverse("badges:badge_qr", kwargs={"org_slug": org.slug, "public_id": badge.public_id, "kind": kind})

    response = login(organiser).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.lstrip().startswith(start)
    assert "attachment" in response["Content-Disposition"]


def test_an_unknown_qr_format_is_404(login, org, organiser, badge):
    url = reverse("badges:badge_qr", kwargs={"org_slug": org.slug, "public_id": badge.public_id, "kind": "gif"})

    assert login(organiser).get(url).status_code == 404


def test_a_holder_can_reopen_a_used_up_link(login, badge, organiser, learner):
    link = enable_link(badge, organiser, max_claims=1)
    services.badge_link_claim(code=link.code, user=learner)

    response = login(learner).get(claim_url(link))

    assert response.status_code == 200


def test_a_badge_without_a_link_row_gets_one_on_its_page(login, org, organiser, badge):
    BadgeLink.objects.filter(badge=badge).delete()  # as for a badge class added in the Django admin
    url = reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id})

    assert login(organiser).get(url).status_code == 200
    assert BadgeLink.objects.get(badge=badge).enabled is True


def turn_link_off(badge, organiser):
    services.badge_link_update(
        badge=badge, user=organiser, enabled=False, expires_at=None, max_claims=None, new_code=False
    )


def badge_page(org, badge):
    return reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id})


def test_the_badge_page_offers_the_qr_code_of_a_link_that_is_on(login, org, organiser, badge):
    page = login(organiser).get(badge_page(org, badge)).content.decode()

    assert "The link is on." in page
    assert (
        reverse("badges:badge_qr", kwargs={"org_slug": org.slug, "public_id": badge.public_id, "kind": "png"}) in page
    )


@pytest.mark.parametrize(
    "breaks",
    [
        lambda badge, organiser: turn_link_off(badge, organiser),
        lambda badge, organiser: enable_link(badge, organiser, expires_at=timezone.now() - timedelta(minutes=1)),
    ],
    ids=["off", "expired"],
)
def test_no_qr_code_is_offered_for_a_link_that_does_not_work(login, org, organiser, badge, breaks):
    breaks(badge, organiser)
    client = login(organiser)

    page = client.get(badge_page(org, badge)).content.decode()

    assert "/qr." not in page
    assert "The QR code is offered while the link works." in page
    for kind in ("png", "svg"):
        url = reverse("badges:badge_qr", kwargs={"org_slug": org.slug, "public_id": badge.public_id, "kind": kind})
        assert client.get(url).status_code == 404
