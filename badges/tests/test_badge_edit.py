"""The badge's edit page: expiry, alignment and tags, saved through one service and shown where people
read the badge (its public page, the share page of each assertion, the activity's page) and in its JSON."""

import json
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from badges import services
from badges.models import Assertion, BadgeClass
from badges.tests.conftest import badge_form_data

ESCO = {
    "alignment-0-targetName": "provide first aid",
    "alignment-0-targetUrl": "https://esco.example.org/skill/first-aid",
    "alignment-0-targetFramework": "ESCO",
    "alignment-0-targetCode": "S1.2",
    "alignment-0-targetDescription": "Give first aid to someone hurt or ill.",
}


def edit_url(org, badge):
    return reverse("badges:badge_edit", kwargs={"org_slug": org.slug, "public_id": badge.public_id})


def test_the_organiser_sets_expiry_alignment_and_tags_on_the_badge_page(login, org, organiser, badge):
    response = login(organiser).post(
        edit_url(org, badge),
        badge_form_data(
            badge,
            expiry="after",
            expires_after="18",
            expires_after_unit="months",
            tags="first aid, outdoors, First Aid",
            **ESCO,
        ),
        follow=True,
    )

    assert "Badge saved." in response.content.decode()
    badge = BadgeClass.objects.get(pk=badge.pk)
    assert (badge.expires_after, badge.expires_after_unit, badge.expires_on) == (18, "months", None)
    assert badge.tags == ["first aid", "outdoors"]
    assert badge.alignment == [
        {
            "targetName": "provide first aid",
            "targetUrl": "https://esco.example.org/skill/first-aid",
            "targetDescription": "Give first aid to someone hurt or ill.",
            "targetFramework": "ESCO",
            "targetCode": "S1.2",
        }
    ]


def test_the_form_shows_what_is_saved_and_offers_one_more_empty_alignment(login, org, organiser, badge):
    services.badge_update(
        badge=badge,
        user=organiser,
        name=badge.name,
        description=badge.description,
        criteria=badge.criteria,
        expiry=services.Expiry(on=date.today() + timedelta(days=100)),
        alignment=[{"targetName": "Skill", "targetUrl": "https://example.org/skill"}],
        tags=["a", "b"],
    )

    page = login(organiser).get(edit_url(org, badge)).content.decode()

    (chosen,) = re.findall(r'<input[^>]*name="expiry"[^>]*checked[^>]*>', page)
    assert 'value="on"' in chosen
    assert (date.today() + timedelta(days=100)).isoformat() in page
    assert 'value="Skill"' in page and 'name="alignment-1-targetName"' in page
    assert 'value="a, b"' in page


def test_a_fixed_date_replaces_an_expiry_after_issue(login, org, organiser, badge):
    client = login(organiser)
    client.post(
        edit_url(org, badge), badge_form_data(badge, expiry="after", expires_after="3", expires_after_unit="days")
    )
    later = (date.today() + timedelta(days=30)).isoformat()

    client.post(edit_url(org, badge), badge_form_data(badge, expiry="on", expires_on=later, expires_after="3"))

    badge = BadgeClass.objects.get(pk=badge.pk)
    assert (badge.expires_after, badge.expires_on) == (None, date.fromisoformat(later))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"expiry": "after", "expires_after": ""}, "Say after how many days or months"),
        ({"expiry": "on", "expires_on": ""}, "Choose the date the badge expires"),
        ({"expiry": "on", "expires_on": "2020-01-01"}, "The fixed expiry date has passed"),
        ({"expiry": "after", "expires_after": "9999", "expires_after_unit": "days"}, "between 1 and 3650 days"),
        ({"alignment-0-targetName": "No URL"}, "needs both the name and the URL"),
        ({"alignment-0-targetName": "Bad", "alignment-0-targetUrl": "not a url"}, "Enter a valid URL"),
        ({"tags": "x" * 60}, "at most 50 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(login, org, organiser, badge, fields, message):
    response = login(organiser).post(edit_url(org, badge), badge_form_data(badge, name="Changed", **fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    badge = BadgeClass.objects.get(pk=badge.pk)
    assert badge.name == "Forest first aid" and badge.alignment == [] and badge.tags == []
    assert badge.expires_after is None and badge.expires_on is None


@pytest.fixture
def described_badge(badge, organiser):
    return services.badge_update(
        badge=badge,
        user=organiser,
        name=badge.name,
        description=badge.description,
        criteria=badge.criteria,
        expiry=services.Expiry(after=2, unit="months"),
        alignment=[
            {
                "targetName": "provide first aid",
                "targetUrl": "https://esco.example.org/skill/first-aid",
                "targetFramework": "ESCO",
                "targetCode": "S1.2",
            }
        ],
        tags=["first aid", "outdoors"],
    )


def test_the_public_badge_page_shows_expiry_alignment_and_tags(client, described_badge):
    page = client.get(reverse("badges:badge_class", kwargs={"public_id": described_badge.public_id})).content.decode()

    assert "Expires 2 months after it is issued." in page
    assert 'href="https://esco.example.org/skill/first-aid"' in page and "provide first aid" in page
    assert "ESCO" in page and "S1.2" in page
    assert "first aid" in page and "outdoors" in page


def test_the_share_page_and_the_activity_page_show_alignment_and_tags(client, described_badge, organiser, activity):
    services.badge_issue_to_emails(badge=described_badge, text="ana@example.test", issued_by=organiser)
    assertion = Assertion.objects.get()

    share = client.get(assertion.get_absolute_url()).content.decode()
    public = client.get(activity.get_public_url()).content.decode()

    for page in (share, public):
        assert "provide first aid" in page and "outdoors" in page
    assert assertion.expires.strftime("%Y-%m-%d") in share


def test_the_json_carries_them_and_the_assertion_its_expiry(client, described_badge, organiser):
    services.badge_issue_to_emails(badge=described_badge, text="ana@example.test", issued_by=organiser)
    assertion = Assertion.objects.get()

    badge_doc = json.loads(client.get(f"/ob/badges/{described_badge.public_id}.json").content)
    assertion_doc = json.loads(client.get(f"/ob/assertions/{assertion.public_id}.json").content)

    assert badge_doc["tags"] == ["first aid", "outdoors"]
    assert badge_doc["alignment"][0]["targetFramework"] == "ESCO"
    assert assertion_doc["expires"] == assertion.expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert assertion.expires > timezone.now() + timedelta(days=55)


def test_the_organiser_badge_page_and_the_learner_dashboard_say_when_it_expires(
    login, org, described_badge, organiser, learner
):
    services.badge_link_claim(code=described_badge.link.code, user=learner)
    assertion = Assertion.objects.get()

    organiser_page = login(organiser).get(
        reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": described_badge.public_id})
    )
    me = login(learner).get(reverse("me"))

    assert "Expires 2 months after it is issued." in organiser_page.content.decode()
    assert f"Expires {assertion.expires:%Y-%m-%d}" in me.content.decode()


def test_an_expired_badge_is_marked_expired_on_the_dashboard(login, badge, organiser, learner):
    services.badge_link_claim(code=badge.link.code, user=learner)
    Assertion.objects.update(expires=timezone.now() - timedelta(days=1))

    page = login(learner).get(reverse("me")).content.decode()

    assert "Expired" in page
