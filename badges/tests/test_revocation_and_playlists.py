"""Revoking an activity badge: what happens to the playlists it counted for.

Decision: a playlist badge, once issued, stays; a revoked activity badge never counts towards
completing a playlist nor towards the progress the learner sees; a playlist badge the organisers
revoked is not issued again automatically.
"""

from django.urls import reverse

from badges import selectors, services
from badges.models import Assertion
from badges.services.issuing import _check_playlists
from badges.tests.conftest import publish_activity
from badges.tests.test_activities_and_playlists import claim, make_playlist


def revoke(activity, learner, organiser, reason="Issued by mistake"):
    assertion = Assertion.objects.get(badge=activity.badge, recipient=learner, revoked_at__isnull=True)
    return services.assertion_revoke(assertion=assertion, reason=reason, user=organiser)


def test_revoking_an_activity_badge_keeps_the_playlist_badge_already_earned(org, organiser, learner):
    first, second = publish_activity(org, organiser, title="Day 1"), publish_activity(org, organiser, title="Day 2")
    playlist = make_playlist(org, organiser, [first, second])
    claim(first, organiser, learner)
    claim(second, organiser, learner)

    revoke(first, learner, organiser)

    earned = Assertion.objects.get(badge=playlist.badge, recipient=learner)
    assert earned.revoked_at is None


def test_the_learners_progress_does_not_count_a_revoked_activity_badge(login, org, organiser, learner):
    first, second = publish_activity(org, organiser, title="Day 1"), publish_activity(org, organiser, title="Day 2")
    third = publish_activity(org, organiser, title="Day 3")
    make_playlist(org, organiser, [first, second, third])
    claim(first, organiser, learner)
    claim(second, organiser, learner)

    revoke(first, learner, organiser)

    (progress,) = selectors.learner_dashboard(learner)["playlists"]
    assert [a.title for a in progress["done"]] == ["Day 2"]
    assert [a.title for a in progress["left"]] == ["Day 1", "Day 3"]
    assert progress["percent"] == 33 and not progress["completed"]
    page = login(learner).get(reverse("me")).content.decode()
    assert "1 / 3" in page


def test_a_completed_playlist_stays_completed_on_the_dashboard_after_a_revocation(login, org, organiser, learner):
    first, second = publish_activity(org, organiser, title="Day 1"), publish_activity(org, organiser, title="Day 2")
    make_playlist(org, organiser, [first, second])
    claim(first, organiser, learner)
    claim(second, organiser, learner)
    revoke(first, learner, organiser)
    revoke(second, learner, organiser)

    (progress,) = selectors.learner_dashboard(learner)["playlists"]

    assert progress["completed"] and progress["done"] == []
    page = login(learner).get(reverse("me")).content.decode()
    assert "Completed" in page and "You keep the playlist badge you earned" in page


def test_a_revoked_activity_badge_never_counts_towards_completing_a_playlist(org, organiser, learner):
    first, second = publish_activity(org, organiser, title="Day 1"), publish_activity(org, organiser, title="Day 2")
    playlist = make_playlist(org, organiser, [first, second])
    claim(first, organiser, learner)
    revoke(first, learner, organiser)

    claim(second, organiser, learner)
    assert not Assertion.objects.filter(badge=playlist.badge).exists()

    claim(first, organiser, learner)  # earned again, so it counts again
    assert Assertion.objects.filter(badge=playlist.badge, recipient=learner, revoked_at__isnull=True).count() == 1


def test_a_playlist_badge_the_organisers_revoked_is_not_issued_again_automatically(org, organiser, learner):
    activities = [publish_activity(org, organiser, title=f"Day {n}") for n in (1, 2, 3)]
    playlist = make_playlist(org, organiser, activities[:2])
    claim(activities[0], organiser, learner)
    claim(activities[1], organiser, learner)
    services.assertion_revoke(
        assertion=Assertion.objects.get(badge=playlist.badge), reason="Attendance not confirmed", user=organiser
    )
    revoke(activities[1], learner, organiser)

    claim(activities[1], organiser, learner)

    assert not Assertion.objects.filter(badge=playlist.badge, revoked_at__isnull=True).exists()
    (progress,) = selectors.learner_dashboard(learner)["playlists"]
    assert progress["revoked"] and not progress["completed"]
    # The organisers can still give it back by hand.
    report = services.badge_issue_to_emails(badge=playlist.badge, text=learner.email, issued_by=organiser)
    assert report.issued == [learner.email]


def test_the_organiser_revoking_an_activity_badge_is_told_the_playlist_badge_stays(login, org, organiser, learner):
    first = publish_activity(org, organiser, title="Day 1")
    playlist = make_playlist(org, organiser, [first])
    claim(first, organiser, learner)
    assertion = Assertion.objects.get(badge=first.badge)

    response = login(organiser).post(
        reverse("badges:assertion_revoke", kwargs={"org_slug": org.slug, "public_id": assertion.public_id}),
        {"reason": "Wrong person"},
        follow=True,
    )

    page = response.content.decode()
    assert f"They keep the playlist badge “{playlist.badge.name}” earned with it." in page
    assert Assertion.objects.get(badge=playlist.badge).revoked_at is None


def test_revoking_a_badge_without_playlists_says_nothing_about_them(login, org, organiser, learner):
    first = publish_activity(org, organiser, title="Day 1")
    claim(first, organiser, learner)
    assertion = Assertion.objects.get(badge=first.badge)

    response = login(organiser).post(
        reverse("badges:assertion_revoke", kwargs={"org_slug": org.slug, "public_id": assertion.public_id}),
        {"reason": "Wrong person"},
        follow=True,
    )

    assert "playlist badge" not in response.content.decode()


def test_a_badge_sent_by_email_and_then_claimed_by_link_completes_the_playlist(org, organiser, learner):
    first, second = publish_activity(org, organiser, title="Day 1"), publish_activity(org, organiser, title="Day 2")
    playlist = make_playlist(org, organiser, [first, second])
    services.badge_issue_to_emails(badge=second.badge, text=learner.email, issued_by=organiser)
    Assertion.objects.filter(badge=second.badge).update(recipient=None)  # as for an address not yet verified
    claim(first, organiser, learner)

    claim(second, organiser, learner)

    assert Assertion.objects.filter(badge=playlist.badge, recipient=learner, revoked_at__isnull=True).exists()


def test_checking_playlists_after_an_issue_reads_the_learners_badges_once(
    org, organiser, learner, django_assert_num_queries
):
    days = [publish_activity(org, organiser, title=f"Day {i}") for i in range(3)]
    for n in range(4):
        make_playlist(org, organiser, [days[2], days[n % 2]])
    claim(days[2], organiser, learner)

    # 1 the playlists with this activity, 2 their items, 3 the activity badges the learner holds
    with django_assert_num_queries(3):
        _check_playlists(user_id=learner.pk, badge=days[2].badge)
