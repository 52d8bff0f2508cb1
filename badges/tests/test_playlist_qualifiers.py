"""Publishing a playlist, or changing its rule or activities, issues its badge to everyone who already
qualifies: at once for a few, in a background task for many, with the count in the badge's history."""

import pytest
from django.urls import reverse

from badges import selectors, services
from badges.models import Assertion, BadgeClass, BadgeEvent, Playlist
from badges.services import playlists as issuing_playlists
from badges.tests.conftest import publish_activity
from conftest import make_user
from jobs.models import Job
from outbox.models import Email


def hold(activity, user):
    return services.badge_link_claim(code=activity.badge.link.code, user=user).assertion


@pytest.fixture
def days(org, organiser):
    return [publish_activity(org, organiser, title=f"Day {n}") for n in (1, 2, 3)]


def new_playlist(org, organiser, activities, **data):
    return services.playlist_create(
        organisation=org,
        user=organiser,
        data={"title": "Outdoor leader", **data},
        activity_ids=[a.pk for a in activities],
    )


def playlist_badge(playlist) -> BadgeClass:
    return BadgeClass.objects.get(playlist=playlist)


def test_publishing_a_playlist_issues_its_badge_to_learners_who_already_completed_it(
    django_capture_on_commit_callbacks, org, organiser, days, learner, other_learner
):
    for day in days[:2]:
        hold(day, learner)
    hold(days[0], other_learner)
    playlist = new_playlist(org, organiser, days[:2])
    Email.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        playlist = services.playlist_publish(playlist=playlist, user=organiser)

    earned = Assertion.objects.get(badge=playlist_badge(playlist))
    assert (earned.recipient, earned.source, earned.issued_by) == (learner, Assertion.Source.PLAYLIST, organiser)
    assert playlist.qualifiers == issuing_playlists.QualifierIssue(issued=1, queued=0)
    assert list(Email.objects.values_list("to", "kind")) == [(learner.email, "badge_earned")]
    event = BadgeEvent.objects.get(action=BadgeEvent.Action.ISSUED, badge=playlist_badge(playlist))
    assert event.detail == "1 person who had already completed the playlist"
    assert event.actor == organiser
    (progress,) = selectors.learner_dashboard(learner)["playlists"]
    assert progress["completed"] is True


def test_the_count_in_the_history_is_plural_for_many(org, organiser, days):
    for n in range(3):
        hold(days[0], make_user(f"walker{n}@example.test"))
    playlist = new_playlist(org, organiser, days[:1])

    services.playlist_publish(playlist=playlist, user=organiser)

    assert Assertion.objects.filter(badge=playlist_badge(playlist)).count() == 3
    assert BadgeEvent.objects.get(action=BadgeEvent.Action.ISSUED, badge=playlist_badge(playlist)).detail == (
        "3 people who had already completed the playlist"
    )


def test_publishing_when_nobody_qualifies_issues_nothing_and_writes_no_count(org, organiser, days, learner):
    hold(days[0], learner)
    playlist = new_playlist(org, organiser, days[:2])

    playlist = services.playlist_publish(playlist=playlist, user=organiser)

    assert not Assertion.objects.filter(badge=playlist_badge(playlist)).exists()
    assert playlist.qualifiers == issuing_playlists.QualifierIssue()
    assert not BadgeEvent.objects.filter(action=BadgeEvent.Action.ISSUED, badge=playlist_badge(playlist)).exists()


def test_changing_the_rule_of_a_published_playlist_issues_to_those_who_now_qualify(
    org, organiser, days, learner, other_learner
):
    hold(days[0], learner)
    hold(days[1], learner)
    hold(days[2], other_learner)
    playlist = new_playlist(org, organiser, days)
    services.playlist_publish(playlist=playlist, user=organiser)
    assert not Assertion.objects.filter(badge=playlist_badge(playlist)).exists()

    playlist = services.playlist_update(
        playlist=playlist,
        user=organiser,
        data={"title": "Outdoor leader", "rule": Playlist.Rule.AT_LEAST, "min_count": 2},
        activity_ids=[d.pk for d in days],
    )

    assert [a.recipient for a in Assertion.objects.filter(badge=playlist_badge(playlist))] == [learner]
    assert playlist.qualifiers.issued == 1


def test_removing_an_activity_from_a_published_playlist_issues_to_those_who_now_qualify(org, organiser, days, learner):
    hold(days[0], learner)
    playlist = new_playlist(org, organiser, days[:2])
    services.playlist_publish(playlist=playlist, user=organiser)

    services.playlist_update(
        playlist=playlist, user=organiser, data={"title": "Outdoor leader"}, activity_ids=[days[0].pk]
    )

    assert Assertion.objects.get(badge=playlist_badge(playlist)).recipient == learner


def test_the_badge_is_issued_once_and_a_revoked_playlist_badge_is_not_given_back(
    org, organiser, days, learner, other_learner
):
    for user in (learner, other_learner):
        hold(days[0], user)
    playlist = new_playlist(org, organiser, days[:1])
    services.playlist_publish(playlist=playlist, user=organiser)
    revoked = Assertion.objects.get(badge=playlist_badge(playlist), recipient=other_learner)
    services.assertion_revoke(assertion=revoked, reason="Did not attend the final day.", user=organiser)

    services.playlist_update(playlist=playlist, user=organiser, data={"title": "Renamed"}, activity_ids=[days[0].pk])
    issuing_playlists.playlist_badge_issue_to_qualifiers(playlist_id=playlist.pk, actor_id=organiser.pk)

    assert Assertion.objects.filter(badge=playlist_badge(playlist), recipient=learner).count() == 1
    assert not Assertion.objects.filter(
        badge=playlist_badge(playlist), recipient=other_learner, revoked_at__isnull=True
    ).exists()


def test_revoked_activity_badges_do_not_count(org, organiser, days, learner):
    services.assertion_revoke(assertion=hold(days[0], learner), reason="Mistake.", user=organiser)
    playlist = new_playlist(org, organiser, days[:1])

    services.playlist_publish(playlist=playlist, user=organiser)

    assert not Assertion.objects.filter(badge=playlist_badge(playlist)).exists()


def test_someone_holding_the_playlist_badge_by_address_gets_no_second_one(org, organiser, days):
    learner = make_user("walker@example.test")
    hold(days[0], learner)
    playlist = new_playlist(org, organiser, days[:1])
    services.playlist_publish(playlist=playlist, user=organiser)
    services.playlist_unpublish(playlist=playlist, user=organiser)
    Assertion.objects.filter(badge=playlist_badge(playlist)).update(recipient=None)  # as if issued by email

    services.playlist_publish(playlist=playlist, user=organiser)

    assert Assertion.objects.filter(badge=playlist_badge(playlist)).count() == 1


def test_many_qualifiers_are_issued_in_a_background_task_with_the_count_in_the_history(
    django_capture_on_commit_callbacks, monkeypatch, org, organiser, days
):
    monkeypatch.setattr(issuing_playlists, "PLAYLIST_ISSUE_INLINE", 2)
    monkeypatch.setattr(issuing_playlists, "PLAYLIST_ISSUE_BATCH", 2)
    walkers = [make_user(f"walker{n}@example.test") for n in range(5)]
    for walker in walkers:
        hold(days[0], walker)
    playlist = new_playlist(org, organiser, days[:1])
    Email.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        playlist = services.playlist_publish(playlist=playlist, user=organiser)

    job = Job.objects.get(kind="badges.playlist_issue")
    assert playlist.qualifiers == issuing_playlists.QualifierIssue(issued=0, queued=5, job=job)
    assert (job.kind, job.total, job.state, job.started_by) == ("badges.playlist_issue", 5, "queued", organiser)
    assert not Assertion.objects.filter(badge=playlist_badge(playlist)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    issued = Assertion.objects.filter(badge=playlist_badge(playlist))
    assert issued.count() == 5
    # Each has its Open Badges 3.0 revocation entry, as every other issuing path gives.
    assert len({(a.status_list_id, a.status_index) for a in issued if a.status_list_id}) == 5
    assert Email.objects.filter(kind="badge_earned").count() == 5
    events = BadgeEvent.objects.filter(action=BadgeEvent.Action.ISSUED, badge=playlist_badge(playlist))
    (event,) = events
    assert event.detail == "5 people who had already completed the playlist" and event.actor == organiser
    job.refresh_from_db()
    assert (job.state, job.done, job.counts) == ("succeeded", 5, {"issued": 5})

    # Run again (a task delivered twice): nothing more is issued, nothing more is written.
    assert issuing_playlists.playlist_badge_issue_to_qualifiers(playlist_id=playlist.pk, actor_id=organiser.pk) == 0
    assert Assertion.objects.filter(badge=playlist_badge(playlist)).count() == 5
    assert events.count() == 1


def test_the_background_job_stops_when_the_playlist_was_unpublished_meanwhile(
    django_capture_on_commit_callbacks, monkeypatch, org, organiser, days
):
    monkeypatch.setattr(issuing_playlists, "PLAYLIST_ISSUE_INLINE", 1)
    for n in range(2):
        hold(days[0], make_user(f"walker{n}@example.test"))
    playlist = new_playlist(org, organiser, days[:1])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.playlist_publish(playlist=playlist, user=organiser)
    services.playlist_unpublish(playlist=playlist, user=organiser)

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    assert not Assertion.objects.filter(badge__playlist=playlist).exists()
    job = Job.objects.get(kind="badges.playlist_issue")
    assert job.state == "succeeded" and "unpublished" in job.message


def test_the_playlist_page_shows_the_progress_of_the_background_job(
    login, django_capture_on_commit_callbacks, monkeypatch, org, organiser, days
):
    monkeypatch.setattr(issuing_playlists, "PLAYLIST_ISSUE_INLINE", 1)
    for n in range(2):
        hold(days[0], make_user(f"walker{n}@example.test"))
    playlist = new_playlist(org, organiser, days[:1])
    with django_capture_on_commit_callbacks(execute=False):
        services.playlist_publish(playlist=playlist, user=organiser)

    page = login(organiser).get(reverse("badges:playlist_detail", kwargs={"org_slug": org.slug, "pk": playlist.pk}))

    text = page.content.decode()
    assert "Issuing the playlist badge to those who already completed it" in text
    assert "Waiting for a worker to start" in text


def test_the_organiser_is_told_how_many_got_the_badge_on_publishing(login, org, organiser, days, learner):
    hold(days[0], learner)
    playlist = new_playlist(org, organiser, days[:1])

    response = login(organiser).post(
        reverse("badges:playlist_publish", kwargs={"org_slug": org.slug, "pk": playlist.pk}), follow=True
    )

    assert "Its badge was issued to 1 person who had already completed it." in response.content.decode()


def test_the_organiser_is_told_when_many_get_the_badge_in_the_background(login, monkeypatch, org, organiser, days):
    monkeypatch.setattr(issuing_playlists, "PLAYLIST_ISSUE_INLINE", 1)
    for n in range(2):
        hold(days[0], make_user(f"walker{n}@example.test"))
    playlist = new_playlist(org, organiser, days[:1])

    response = login(organiser).post(
        reverse("badges:playlist_publish", kwargs={"org_slug": org.slug, "pk": playlist.pk}), follow=True
    )

    page = response.content.decode()
    assert "Its badge is being issued in the background to 2 people who had already completed it" in page
