"""Every page renders for the people who may see it."""

import pytest
from django.urls import reverse

from badges import services
from badges.tests.conftest import add_task, enable_link


def test_organiser_pages_render(login, org, organiser, activity, badge, learner):
    add_task(badge, organiser)
    services.badge_issue_to_emails(badge=badge, text="a@example.test", issued_by=organiser)
    client = login(organiser)
    for name, kwargs in [
        ("badges:activities", {}),
        ("badges:activity_create", {}),
        ("badges:activity_detail", {"pk": activity.pk}),
        ("badges:activity_edit", {"pk": activity.pk}),
        ("badges:playlist_create", {}),
        ("badges:badge_detail", {"public_id": badge.public_id}),
        ("badges:badge_edit", {"public_id": badge.public_id}),
        ("badges:queue", {}),
    ]:
        response = client.get(reverse(name, kwargs={"org_slug": org.slug, **kwargs}))
        assert response.status_code == 200, name


@pytest.mark.django_db
def test_public_pages_render(client, org, organiser, activity, badge):
    for url in [
        reverse("badges:catalogue"),
        reverse("badges:organisation", kwargs={"org_slug": org.slug}),
        activity.get_public_url(),
        reverse("badges:badge_class", kwargs={"public_id": badge.public_id}),
    ]:
        assert client.get(url).status_code == 200, url


def test_learner_pages_render(login, org, organiser, badge, learner):
    add_task(badge, organiser)
    link = enable_link(badge, organiser)
    client = login(learner)
    assert client.get(reverse("badges:claim", kwargs={"code": link.code})).status_code == 200
    services.badge_link_claim(code=link.code, user=learner)
    assert client.get(reverse("badges:quest", kwargs={"public_id": badge.public_id})).status_code == 200
    assert client.get(reverse("badges:reviews")).status_code == 200
    assert client.get(reverse("me")).status_code == 200
