"""What organisers and learners tripped over on the badges pages, fixed and kept fixed."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from badges import selectors, services
from badges.models import Assertion, BadgeEvent, Playlist
from badges.tests.conftest import add_task, enable_link, publish_activity
from badges.tests.test_activities_and_playlists import claim, make_playlist


def test_editing_a_playlist_keeps_the_order_the_organiser_arranged(login, org, organiser):
    a, b, c = (publish_activity(org, organiser, title=t) for t in ("Alpha", "Bravo", "Charlie"))
    playlist = make_playlist(org, organiser, [a, b])
    services.playlist_item_move(playlist=playlist, item_id=playlist.items.get(activity=b).pk, up=True, user=organiser)

    login(organiser).post(
        reverse("badges:playlist_edit", kwargs={"org_slug": org.slug, "pk": playlist.pk}),
        {"title": "Renamed", "description": "d", "rule": "all", "min_count": 1, "activities": [a.pk, b.pk, c.pk]},
    )

    assert list(playlist.items.values_list("activity__title", flat=True)) == ["Bravo", "Alpha", "Charlie"]


def test_at_least_n_cannot_ask_for_more_activities_than_the_playlist_has(login, org, organiser):
    a, b = publish_activity(org, organiser, title="Alpha"), publish_activity(org, organiser, title="Bravo")

    response = login(organiser).post(
        reverse("badges:playlist_create", kwargs={"org_slug": org.slug}),
        {"title": "Pathway", "rule": "at_least", "min_count": 3, "activities": [a.pk, b.pk]},
    )

    assert "N is larger than the 2 activities chosen" in response.content.decode()
    assert not Playlist.objects.exists()


def test_the_badge_history_describes_link_changes_in_words(badge, organiser):
    services.badge_link_update(badge=badge, user=organiser, enabled=True, expires_at=None, max_claims=5, new_code=True)

    event = BadgeEvent.objects.filter(action=BadgeEvent.Action.LINK_CHANGED).first()
    assert event.detail == "link on, at most 5 claims, new link (the old one and its QR code stopped working)"


def test_a_signed_in_learner_sees_on_a_public_playlist_which_badges_they_hold(login, org, organiser, learner):
    first, second = publish_activity(org, organiser, title="Day 1"), publish_activity(org, organiser, title="Day 2")
    playlist = make_playlist(org, organiser, [first, second])
    claim(first, organiser, learner)
    client = login(learner)

    page = client.get(playlist.get_public_url()).content.decode()
    assert "You hold the badges of 1 of these 2 activities." in page
    assert page.count("Badge held") == 1
    claim(second, organiser, learner)
    assert "You completed this playlist and hold its badge." in client.get(playlist.get_public_url()).content.decode()
    assert "You hold this badge." in client.get(first.get_public_url()).content.decode()


def test_a_visitor_sees_the_public_playlist_without_progress(client, org, organiser):
    playlist = make_playlist(org, organiser, [publish_activity(org, organiser, title="Day 1")])

    page = client.get(playlist.get_public_url()).content.decode()

    assert "Day 1" in page and "You hold" not in page and "Badge held" not in page


def test_the_dashboard_says_why_a_badge_was_revoked_and_offers_no_download(login, badge, organiser, learner):
    services.badge_link_claim(code=enable_link(badge, organiser).code, user=learner)
    assertion = Assertion.objects.get()
    services.assertion_revoke(assertion=assertion, reason="Attendance not confirmed", user=organiser)

    page = login(learner).get(reverse("me")).content.decode()

    assert "Attendance not confirmed" in page
    assert f"/ob/assertions/{assertion.public_id}/image?download=1" not in page


def test_undated_activities_come_after_dated_upcoming_ones_in_the_catalogue(org, organiser):
    publish_activity(org, organiser, title="Any time")
    publish_activity(org, organiser, title="Summer", start_date=timezone.now().date() + timedelta(days=30))

    activities, _playlists = selectors.catalogue()

    assert [a.title for a in activities] == ["Summer", "Any time"]


def test_the_quest_page_explains_how_the_badge_is_earned(login, badge, organiser, learner):
    add_task(badge, organiser)
    services.badge_link_claim(code=enable_link(badge, organiser).code, user=learner)

    page = login(learner).get(reverse("badges:quest", kwargs={"public_id": badge.public_id})).content.decode()

    assert "You get the badge when every task is approved" in page


def test_a_one_day_activity_shows_its_date_once(client, org, organiser):
    activity = publish_activity(org, organiser, title="One day", start_date="2026-06-01", end_date="2026-06-01")

    page = client.get(activity.get_public_url()).content.decode()

    assert "2026-06-01" in page and "2026-06-01 – 2026-06-01" not in page


def test_the_dashboard_shows_where_the_learner_stands_on_a_badge_in_progress(login, badge, organiser, learner):
    from badges.models import Task

    plan, report = add_task(badge, organiser, title="Plan"), add_task(badge, organiser, title="Report")
    add_task(badge, organiser, title="Just turn up", evidence=Task.Evidence.NONE)
    self_check = add_task(badge, organiser, title="Self check", approval=Task.Approval.SELF)
    services.badge_link_claim(code=enable_link(badge, organiser).code, user=learner)
    services.evidence_submit(task=self_check, learner=learner, text="Checked")
    services.evidence_submit(task=plan, learner=learner, text="My plan")
    sent_back = services.evidence_submit(task=report, learner=learner, text="Short")
    services.evidence_review(submission=sent_back, reviewer=organiser, approve=False, comment="More", as_organiser=True)

    page = login(learner).get(reverse("me")).content.decode()

    assert "1 of 3 tasks approved · 1 waiting for review" in page and "1 sent back to you" in page


def test_the_dashboard_with_quests_still_runs_a_constant_number_of_queries(
    org, organiser, learner, django_assert_num_queries
):
    def start_badges(n, offset):
        for i in range(n):
            badge = publish_activity(org, organiser, title=f"Quest {offset + i}").badge
            add_task(badge, organiser)
            services.badge_link_claim(code=enable_link(badge, organiser).code, user=learner)

    start_badges(1, 0)
    # 1. assertions  2. quests  3. tasks with the learner's status  4. peer reviews count
    # 5. badge links to continue claiming (no playlist query: the learner holds no badge yet)
    with django_assert_num_queries(5):
        selectors.learner_dashboard(learner)
    start_badges(4, 100)
    with django_assert_num_queries(5):
        assert len(selectors.learner_dashboard(learner)["quests"]) == 5
    # Holding badges adds the playlist items, once, however many are held.
    for n in range(3):
        claim(publish_activity(org, organiser, title=f"Held {n}"), organiser, learner)
    with django_assert_num_queries(6):
        assert len(selectors.learner_dashboard(learner)["assertions"]) == 3


def test_a_task_with_evidence_offers_no_delete_button(login, org, badge, organiser, learner):
    task = add_task(badge, organiser, title="Write it up")
    services.badge_link_claim(code=enable_link(badge, organiser).code, user=learner)
    url = reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    delete_url = reverse(
        "badges:task_delete", kwargs={"org_slug": org.slug, "public_id": badge.public_id, "pk": task.pk}
    )
    client = login(organiser)
    assert delete_url in client.get(url).content.decode()

    services.evidence_submit(task=task, learner=learner, text="Done")

    page = client.get(url).content.decode()
    assert delete_url not in page and "1 submission, kept" in page


def test_a_playlist_badge_page_says_completing_the_playlist_earns_it(login, org, organiser):
    playlist = make_playlist(org, organiser, [publish_activity(org, organiser, title="Day 1")])
    url = reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": playlist.badge.public_id})

    page = login(organiser).get(url).content.decode()

    assert "automatically when they complete the playlist" in page


def test_the_badge_form_offers_the_generated_image_only_after_an_upload(login, org, badge, organiser):
    from django.core.files.base import ContentFile

    url = reverse("badges:badge_edit", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    client = login(organiser)
    assert "Use the generated image instead" not in client.get(url).content.decode()

    badge.image.save("mine.svg", ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg"/>'))

    assert "Use the generated image instead" in client.get(url).content.decode()


def test_editing_a_published_activity_points_to_its_badges_own_text(login, org, activity, organiser):
    url = reverse("badges:activity_edit", kwargs={"org_slug": org.slug, "pk": activity.pk})

    page = login(organiser).get(url).content.decode()

    assert "keeps its own name, description and criteria" in page
    assert reverse("badges:badge_edit", kwargs={"org_slug": org.slug, "public_id": activity.badge.public_id}) in page


def test_a_task_with_evidence_is_not_deleted_when_its_delete_is_posted_anyway(login, org, badge, organiser, learner):
    task = add_task(badge, organiser, title="Write it up")
    services.badge_link_claim(code=enable_link(badge, organiser).code, user=learner)
    services.evidence_submit(task=task, learner=learner, text="Done")
    url = reverse("badges:task_delete", kwargs={"org_slug": org.slug, "public_id": badge.public_id, "pk": task.pk})

    response = login(organiser).post(url, follow=True)

    assert "it cannot be deleted" in response.content.decode()
    assert badge.tasks.filter(pk=task.pk).exists()
