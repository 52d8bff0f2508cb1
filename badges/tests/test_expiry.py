"""A badge's expiry rule (N days or months after issue, or a fixed date) reaches every way of issuing it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from badges import ob, services
from badges.models import Assertion, BadgeClass, Task, add_months
from badges.tests.conftest import add_task, publish_activity
from conftest import make_user


def set_expiry(badge, user, **rule):
    return services.badge_update(
        badge=badge,
        user=user,
        name=badge.name,
        description=badge.description,
        criteria=badge.criteria,
        expiry=services.Expiry(**rule),
    )


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 15, 10, 30, tzinfo=UTC), 1, datetime(2026, 2, 15, 10, 30, tzinfo=UTC)),
        (datetime(2026, 1, 31, 8, 0, tzinfo=UTC), 1, datetime(2026, 2, 28, 8, 0, tzinfo=UTC)),
        (datetime(2028, 1, 31, 8, 0, tzinfo=UTC), 1, datetime(2028, 2, 29, 8, 0, tzinfo=UTC)),
        (datetime(2026, 11, 30, 0, 0, tzinfo=UTC), 3, datetime(2027, 2, 28, 0, 0, tzinfo=UTC)),
        (datetime(2026, 6, 1, 0, 0, tzinfo=UTC), 24, datetime(2028, 6, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months_and_a_missing_day_becomes_the_last_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


def test_a_badge_without_a_rule_never_expires(badge):
    assert badge.expiry_for(timezone.now()) is None
    assert not badge.has_expiry


def test_the_rule_is_days_or_months_after_issue_or_the_end_of_a_fixed_day(badge, organiser):
    issued = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

    badge = set_expiry(badge, organiser, after=30, unit="days")
    assert badge.expiry_for(issued) == datetime(2026, 4, 9, 12, 0, tzinfo=UTC)
    badge = set_expiry(badge, organiser, after=6, unit="months")
    assert badge.expiry_for(issued) == datetime(2026, 9, 10, 12, 0, tzinfo=UTC)
    badge = set_expiry(badge, organiser, on=date(2030, 6, 30))
    assert badge.expiry_for(issued) == datetime(2030, 6, 30, 23, 59, 59, tzinfo=UTC)
    assert badge.expires_after is None
    badge = set_expiry(badge, organiser)
    assert badge.expiry_for(issued) is None


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"after": 3, "on": date(2030, 1, 1)}, "not both"),
        ({"after": 0, "unit": "days"}, "between 1 and 3650 days"),
        ({"after": 121, "unit": "months"}, "between 1 and 3650 days, or 1 and 120 months"),
        ({"after": 2, "unit": "weeks"}, "Choose days or months"),
        ({"on": date(2020, 1, 1)}, "has passed"),
    ],
)
def test_a_wrong_rule_is_refused_and_changes_nothing(badge, organiser, rule, message):
    with pytest.raises(services.BadgesError, match=message):
        set_expiry(badge, organiser, **rule)

    badge.refresh_from_db()
    assert badge.expires_after is None and badge.expires_on is None


def test_leaving_the_expiry_out_of_an_edit_keeps_it(badge, organiser):
    set_expiry(badge, organiser, after=2, unit="months")

    services.badge_update(badge=badge, user=organiser, name="New name", description="d", criteria="c")

    badge.refresh_from_db()
    assert (badge.name, badge.expires_after, badge.expires_after_unit) == ("New name", 2, "months")


def test_a_badge_issued_by_email_expires_by_the_rule(badge, organiser):
    set_expiry(badge, organiser, after=12, unit="months")

    services.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser)

    assertion = Assertion.objects.get()
    assert assertion.expires == add_months(assertion.issued_on, 12)
    assert ob.assertion_document(assertion)["expires"] == assertion.expires.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_date_typed_on_the_issue_form_wins_over_the_rule(badge, organiser):
    set_expiry(badge, organiser, after=12, unit="months")
    typed = timezone.now() + timedelta(days=3)

    services.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser, expires=typed)

    assert Assertion.objects.get().expires == typed


def test_a_badge_claimed_through_the_link_or_its_qr_code_expires_by_the_rule(badge, organiser, learner):
    set_expiry(badge, organiser, after=10, unit="days")

    result = services.badge_link_claim(code=badge.link.code, user=learner)

    assert result.assertion.expires == result.assertion.issued_on + timedelta(days=10)


def test_a_badge_earned_with_evidence_expires_by_the_rule(badge, organiser, learner):
    set_expiry(badge, organiser, on=date(2031, 1, 31))
    task = add_task(badge, organiser, approval=Task.Approval.SELF)
    services.badge_link_claim(code=badge.link.code, user=learner)

    services.evidence_submit(task=task, learner=learner, text="Done.")

    assertion = Assertion.objects.get(source=Assertion.Source.QUEST)
    assert assertion.expires == datetime(2031, 1, 31, 23, 59, 59, tzinfo=UTC)


def test_a_playlist_badge_expires_by_the_playlist_badge_rule(org, organiser, activity, learner):
    playlist = services.playlist_create(
        organisation=org, user=organiser, data={"title": "Outdoor leader"}, activity_ids=[activity.pk]
    )
    services.playlist_publish(playlist=playlist, user=organiser)
    playlist_badge = BadgeClass.objects.get(playlist=playlist)
    set_expiry(playlist_badge, organiser, after=2, unit="days")

    services.badge_link_claim(code=activity.badge.link.code, user=learner)

    assertion = Assertion.objects.get(badge=playlist_badge)
    assert assertion.expires == assertion.issued_on + timedelta(days=2)
    assert Assertion.objects.get(badge=activity.badge).expires is None


def test_a_changed_rule_applies_to_new_assertions_only(org, organiser, learner):
    badge = publish_activity(org, organiser, title="Knots").badge
    services.badge_link_claim(code=badge.link.code, user=learner)

    set_expiry(badge, organiser, after=1, unit="months")
    services.badge_link_claim(code=badge.link.code, user=make_user("second@example.test"))

    first, second = Assertion.objects.order_by("id")
    assert first.expires is None
    assert second.expires == add_months(second.issued_on, 1)


def test_an_expired_assertion_says_so_on_its_page_and_fails_nothing_else(client, badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser)
    assertion = Assertion.objects.get()
    Assertion.objects.filter(pk=assertion.pk).update(expires=timezone.now() - timedelta(days=1))

    response = client.get(assertion.get_absolute_url())

    assert response.status_code == 200
    assert b"Expired" in response.content
