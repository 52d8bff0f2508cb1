"""Plural forms that agree with their number, a search that finds every word in any order, and a
catalogue that lists what is on now or next before what is over."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from badges import selectors, services
from badges.models import Playlist, Task
from badges.tests.conftest import add_task, publish_activity
from badges.tests.test_activities_and_playlists import make_playlist

TODAY = timezone.now().date()


def days_from_today(n: int):
    return TODAY + timedelta(days=n)


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        ("one@example.test", "Badge issued to 1 person; they get an email to claim it."),
        ("one@example.test two@example.test", "Badge issued to 2 people; each gets an email to claim it."),
    ],
)
def test_issuing_says_person_or_people(login, org, organiser, badge, emails, expected):
    url = reverse("badges:badge_issue", kwargs={"org_slug": org.slug, "public_id": badge.public_id})

    page = login(organiser).post(url, {"emails": emails}, follow=True).content.decode()

    assert expected in page


def test_a_quest_with_one_task_says_task_not_tasks(login, badge, organiser, learner):
    add_task(badge, organiser, approval=Task.Approval.ORGANISER)
    services.badge_link_claim(code=badge.link.code, user=learner)

    page = login(learner).get(reverse("me")).content.decode()

    assert "0 of 1 task approved" in page and "tasks approved" not in page


def test_an_at_least_one_playlist_reads_in_the_singular(client, org, organiser):
    a, b = (publish_activity(org, organiser, title=t) for t in ("Alpha", "Bravo"))
    playlist = make_playlist(org, organiser, [a, b], rule=Playlist.Rule.AT_LEAST, min_count=1)

    page = client.get(playlist.get_public_url()).content.decode()

    assert "Earn the badge of at least 1 of these activities" in page


@pytest.mark.parametrize("query", ["compass map", "MAP compass", "basics   compass", "map"])
def test_the_search_finds_every_word_in_any_order(org, organiser, query):
    publish_activity(org, organiser, title="Map & compass basics", description="Find your way in the woods.")
    publish_activity(org, organiser, title="Map reading", description="Town maps only.")

    activities, _playlists = selectors.catalogue(q=query)

    titles = [a.title for a in activities]
    assert "Map & compass basics" in titles
    if "compass" in query.lower():
        assert titles == ["Map & compass basics"]


def test_a_word_may_be_in_the_title_and_another_in_the_description(org, organiser):
    publish_activity(org, organiser, title="Night hike", description="Bring a torch and a compass.")

    activities, _playlists = selectors.catalogue(q="compass hike")

    assert [a.title for a in activities] == ["Night hike"]


def test_the_search_applies_to_playlists_too(org, organiser):
    activity = publish_activity(org, organiser, title="Day one")
    make_playlist(org, organiser, [activity], title="Compass and map path")

    _activities, playlists = selectors.catalogue(q="map compass")

    assert [p.title for p in playlists] == ["Compass and map path"]


def test_the_catalogue_lists_current_and_upcoming_activities_before_past_ones(client, org, organiser):
    publish_activity(org, organiser, title="Last year", start_date=days_from_today(-400))
    publish_activity(org, organiser, title="Last month", start_date=days_from_today(-40), end_date=days_from_today(-35))
    publish_activity(org, organiser, title="Running now", start_date=days_from_today(-2), end_date=days_from_today(3))
    publish_activity(org, organiser, title="Next week", start_date=days_from_today(7))
    publish_activity(org, organiser, title="Today only", start_date=TODAY)
    publish_activity(org, organiser, title="Any time")

    activities, _playlists = selectors.catalogue()

    assert [a.title for a in activities] == [
        "Running now",
        "Today only",
        "Next week",
        "Any time",
        "Last month",
        "Last year",
    ]
    page = client.get(reverse("badges:catalogue")).content.decode()
    assert page.index("Running now") < page.index("Any time") < page.index("Last month")


def test_playlists_are_ordered_by_the_span_of_their_activities(org, organiser):
    old = publish_activity(org, organiser, title="Old", start_date=days_from_today(-100))
    soon = publish_activity(org, organiser, title="Soon", start_date=days_from_today(10))
    later = publish_activity(org, organiser, title="Later", start_date=days_from_today(60))
    make_playlist(org, organiser, [old], title="Over")
    make_playlist(org, organiser, [old, later], title="Still going")
    make_playlist(org, organiser, [soon], title="Starts soon")

    _activities, playlists = selectors.catalogue()

    assert [p.title for p in playlists] == ["Still going", "Starts soon", "Over"]


def test_the_organisation_page_uses_the_same_order(client, org, organiser):
    publish_activity(org, organiser, title="Past day", start_date=days_from_today(-10))
    publish_activity(org, organiser, title="Coming day", start_date=days_from_today(10))

    page = client.get(reverse("badges:organisation", kwargs={"org_slug": org.slug})).content.decode()

    assert page.index("Coming day") < page.index("Past day")
