"""A badge's holders and the review queue page by keyset: every row once, in order, in the same queries on any page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from badges.models import Assertion, EvidenceSubmission
from badges.tests.conftest import add_task
from conftest import make_user

pytestmark = pytest.mark.django_db


def holders(badge, count):
    now = timezone.now()
    Assertion.objects.bulk_create(
        [
            Assertion(
                badge=badge,
                recipient_email=f"holder{n}@example.test",
                salt="0" * 32,
                identity="sha256$" + "0" * 64,
                issued_on=now - timedelta(minutes=n // 2),  # two at a time: the id decides between them
                source="email",
            )
            for n in range(count)
        ]
    )


def walk(client, url, key):
    seen, next_url, pages = [], url, 0
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200
        page = response.context["page"]
        seen += [key(row) for row in page]
        next_url = url + page.next_url if page.has_next else None
        pages += 1
    return seen, pages


def test_a_badges_holders_are_listed_newest_first_each_once(login, org, organiser, badge, monkeypatch):
    monkeypatch.setattr("badges.views.organiser.PAGE_SIZE", 3)
    holders(badge, 8)
    url = reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    seen, pages = walk(login(organiser), url, lambda a: a.recipient_email)
    expected = (
        Assertion.objects.filter(badge=badge).order_by("-issued_on", "-id").values_list("recipient_email", flat=True)
    )
    assert seen == list(expected) and pages == 3


def test_every_page_of_holders_runs_the_same_queries(
    login, org, organiser, badge, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr("badges.views.organiser.PAGE_SIZE", 3)
    holders(badge, 8)
    url = reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    client = login(organiser)
    first = client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as on_first:
        client.get(url)
    with django_assert_num_queries(len(on_first.captured_queries)):
        client.get(url + first.context["page"].next_url)


def test_the_review_queue_lists_the_oldest_evidence_first_each_once(login, org, organiser, badge, monkeypatch):
    monkeypatch.setattr("badges.views.organiser.PAGE_SIZE", 2)
    task = add_task(badge, organiser)
    now = timezone.now()
    for n in range(5):
        EvidenceSubmission.objects.create(
            task=task, learner=make_user(f"learner{n}@example.test"), text="Done", submitted_at=now - timedelta(hours=n)
        )
    url = reverse("badges:queue", kwargs={"org_slug": org.slug})
    seen, pages = walk(login(organiser), url, lambda s: s.learner_email)
    assert seen == [f"learner{n}@example.test" for n in (4, 3, 2, 1, 0)] and pages == 3
