"""Unpublishing an activity that a published playlist needs: the organiser is asked first, told which
playlists and what happens to them (the activity is taken out; an emptied playlist is unpublished; whoever
now completes one gets its badge); without that confirmation nothing changes."""

import pytest
from django.urls import reverse

from badges import services
from badges.models import Activity, Assertion, BadgeClass, BadgeEvent, Playlist, PlaylistItem, PublishStatus
from badges.tests.conftest import publish_activity


@pytest.fixture
def days(org, organiser):
    return [publish_activity(org, organiser, title=f"Day {n}") for n in (1, 2, 3)]


def published_playlist(org, organiser, activities, title="Outdoor leader", **data):
    playlist = services.playlist_create(
        organisation=org, user=organiser, data={"title": title, **data}, activity_ids=[a.pk for a in activities]
    )
    return services.playlist_publish(playlist=playlist, user=organiser)


def unpublish_url(org, activity):
    return reverse("badges:activity_unpublish", kwargs={"org_slug": org.slug, "pk": activity.pk})


def test_unpublishing_an_activity_a_published_playlist_needs_is_refused_without_confirmation(org, organiser, days):
    published_playlist(org, organiser, days[:2], title="Outdoor leader")
    published_playlist(org, organiser, days[1:], title="River guide")

    with pytest.raises(services.BadgesError, match="“Outdoor leader”, “River guide”"):
        services.activity_unpublish(activity=days[1], user=organiser)

    days[1].refresh_from_db()
    assert days[1].status == PublishStatus.PUBLISHED
    assert PlaylistItem.objects.filter(activity=days[1]).count() == 2


def test_confirming_takes_the_activity_out_of_its_playlists(org, organiser, days):
    first = published_playlist(org, organiser, days[:2], title="Outdoor leader")
    second = published_playlist(org, organiser, days[1:], title="River guide")

    result = services.activity_unpublish(activity=days[1], user=organiser, detach_from_playlists=True)

    days[1].refresh_from_db()
    assert days[1].status == PublishStatus.UNPUBLISHED
    assert [p.title for p in result.playlists] == ["Outdoor leader", "River guide"]
    assert list(first.items.values_list("activity_id", flat=True)) == [days[0].pk]
    assert list(second.items.values_list("activity_id", flat=True)) == [days[2].pk]
    details = set(
        BadgeEvent.objects.filter(action=BadgeEvent.Action.EDITED, badge__playlist__isnull=False).values_list(
            "detail", flat=True
        )
    )
    assert details == {"Day 2 taken out: the activity was unpublished"}


def test_a_playlist_left_without_activities_is_unpublished(org, organiser, days):
    lonely = published_playlist(org, organiser, days[:1], title="One day")

    result = services.activity_unpublish(activity=days[0], user=organiser, detach_from_playlists=True)

    lonely.refresh_from_db()
    assert lonely.status == PublishStatus.UNPUBLISHED
    assert [p.pk for p in result.unpublished] == [lonely.pk]


def test_at_least_n_shrinks_to_the_activities_left(org, organiser, days):
    playlist = published_playlist(org, organiser, days[:2], rule=Playlist.Rule.AT_LEAST, min_count=2)

    services.activity_unpublish(activity=days[0], user=organiser, detach_from_playlists=True)

    playlist.refresh_from_db()
    assert playlist.min_count == 1


def test_learners_who_now_complete_a_playlist_get_its_badge(org, organiser, days, learner):
    playlist = published_playlist(org, organiser, days[:2])
    services.badge_link_claim(code=days[0].badge.link.code, user=learner)
    assert not Assertion.objects.filter(badge__playlist=playlist).exists()

    result = services.activity_unpublish(activity=days[1], user=organiser, detach_from_playlists=True)

    assert Assertion.objects.get(badge=BadgeClass.objects.get(playlist=playlist)).recipient == learner
    assert result.issued == 1


def test_an_activity_only_in_draft_playlists_is_unpublished_without_asking(org, organiser, days):
    draft = services.playlist_create(
        organisation=org, user=organiser, data={"title": "Draft"}, activity_ids=[days[0].pk]
    )

    services.activity_unpublish(activity=days[0], user=organiser)

    assert Activity.objects.get(pk=days[0].pk).status == PublishStatus.UNPUBLISHED
    assert draft.items.filter(activity=days[0]).exists()


def test_a_playlist_holding_an_unpublished_activity_cannot_be_published(org, organiser, days):
    draft = services.playlist_create(
        organisation=org, user=organiser, data={"title": "Draft"}, activity_ids=[days[0].pk, days[1].pk]
    )
    services.activity_unpublish(activity=days[0], user=organiser)

    with pytest.raises(services.BadgesError, match="Day 1"):
        services.playlist_publish(playlist=draft, user=organiser)


def test_the_activity_page_names_the_playlists_and_says_what_happens(login, org, organiser, days):
    published_playlist(org, organiser, days[:2], title="Outdoor leader")
    url = reverse("badges:activity_detail", kwargs={"org_slug": org.slug, "pk": days[0].pk})

    page = login(organiser).get(url).content.decode()

    assert "The published playlist “Outdoor leader” needs this activity." in page
    assert "Unpublish and take it out of the playlist" in page
    assert 'name="detach_from_playlists"' in page


def test_the_organiser_confirms_on_the_page(login, org, organiser, days):
    published_playlist(org, organiser, days[:2], title="Outdoor leader")
    client = login(organiser)

    refused = client.post(unpublish_url(org, days[0]), follow=True).content.decode()
    assert "needs this activity" in refused
    assert Activity.objects.get(pk=days[0].pk).status == PublishStatus.PUBLISHED

    done = client.post(unpublish_url(org, days[0]), {"detach_from_playlists": "1"}, follow=True).content.decode()

    assert "Unpublished:" in done
    assert "It was taken out of the playlist “Outdoor leader”." in done
    assert Activity.objects.get(pk=days[0].pk).status == PublishStatus.UNPUBLISHED
