import pytest

from badges import services
from badges.models import Task


def publish_activity(org, user, title="Forest first aid", **extra):
    activity = services.activity_create(
        organisation=org,
        user=user,
        data={"title": title, "description": f"{title}: a day outdoors.", "criteria": "Take part all day.", **extra},
    )
    services.activity_publish(activity=activity, user=user)
    activity.refresh_from_db()
    return activity


def add_task(badge, user, approval=Task.Approval.ORGANISER, evidence=Task.Evidence.TEXT, title="Write what you did"):
    return services.task_create(badge=badge, user=user, title=title, evidence_kind=evidence, approval=approval)


def enable_link(badge, user, **kwargs):
    return services.badge_link_update(
        badge=badge,
        user=user,
        enabled=True,
        expires_at=kwargs.get("expires_at"),
        max_claims=kwargs.get("max_claims"),
        new_code=False,
    )


def badge_form_data(badge, **fields) -> dict:
    """What the badge's edit page posts when the organiser changes only `fields`."""
    data = {
        "name": badge.name,
        "description": badge.description,
        "criteria": badge.criteria,
        "expiry": "never",
        "expires_after": "",
        "expires_after_unit": "months",
        "expires_on": "",
        "tags": "",
        "alignment-TOTAL_FORMS": "1",
        "alignment-INITIAL_FORMS": "0",
        "alignment-MIN_NUM_FORMS": "0",
        "alignment-MAX_NUM_FORMS": "10",
    }
    data.update(fields)
    return data


@pytest.fixture
def activity(org, organiser):
    return publish_activity(org, organiser)


@pytest.fixture
def badge(activity):
    return activity.badge
