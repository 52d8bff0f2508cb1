"""Publishing creates badge classes; completing a playlist issues its badge once."""

import pytest
from django.urls import reverse

from badges import selectors, services
from badges.models import Assertion, BadgeClass, BadgeEvent, Playlist, PublishStatus
from badges.tests.conftest import badge_form_data, enable_link, publish_activity


def test_publishing_an_activity_creates_its_badge_from_its_text(org, organiser):
    activity = services.activity_create(
        organisation=org,
        user=organiser,
        data={"title": "Canoe safety", "description": "Paddle and rescue.", "criteria": "Pass the capsize drill."},
    )
    assert not BadgeClass.objects.exists()

    services.activity_publish(activity=activity, user=organiser)

    badge = BadgeClass.objects.get()
    assert (badge.name, badge.description, badge.criteria) == (
        "Canoe safety",
        "Paddle and rescue.",
        "Pass the capsize drill.",
    )
    assert badge.organisation == org and badge.activity == activity
    assert badge.link.enabled is True
    assert BadgeEvent.objects.filter(action=BadgeEvent.Action.PUBLISHED, actor=organiser).exists()


def test_publishing_again_keeps_the_same_badge_and_wrong_states_are_refused(org, organiser, activity):
    with pytest.raises(services.BadgesError, match="already published"):
        services.activity_publish(activity=activity, user=organiser)
    services.activity_unpublish(activity=activity, user=organiser)
    with pytest.raises(services.BadgesError, match="not published"):
        services.activity_unpublish(activity=activity, user=organiser)

    services.activity_publish(activity=activity, user=organiser)

    assert BadgeClass.objects.count() == 1


def test_the_badge_is_editable_on_its_own_page(login, org, organiser, badge):
    url = reverse("badges:badge_edit", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><circle r="4"/><script>x()</script></svg>'
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(organiser).post(
        url,
        badge_form_data(
            badge,
            name="Canoe pro",
            description="New text",
            criteria="New criteria",
            image=SimpleUploadedFile("b.svg", svg),
        ),
    )

    badge.refresh_from_db()
    assert badge.name == "Canoe pro"
    assert badge.image.name.endswith(".svg")
    with badge.image.open("rb") as handle:
        stored = handle.read()
    assert b"script" not in stored and b"onload" not in stored


def test_a_bad_image_upload_is_refused_with_a_message(login, org, organiser, badge):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("badges:badge_edit", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    response = login(organiser).post(
        url,
        badge_form_data(badge, name="x", description="y", criteria="", image=SimpleUploadedFile("b.gif", b"GIF89a")),
    )

    assert response.status_code == 200
    assert b"Upload a PNG or SVG image." in response.content
    badge.refresh_from_db()
    assert not badge.image


def make_playlist(org, organiser, activities, rule=Playlist.Rule.ALL, min_count=1, title="Outdoor leader"):
    playlist = services.playlist_create(
        organisation=org,
        user=organiser,
        data={"title": title, "description": "Three days outside.", "rule": rule, "min_count": min_count},
        activity_ids=[a.pk for a in activities],
    )
    services.playlist_publish(playlist=playlist, user=organiser)
    playlist.refresh_from_db()
    return playlist


def claim(activity, organiser, user):
    link = enable_link(activity.badge, organiser)
    return services.badge_link_claim(code=link.code, user=user)


def test_a_playlist_holds_only_published_activities_of_its_organisation(org, other_org, organiser, outsider):
    draft = services.activity_create(organisation=org, user=organiser, data={"title": "Draft"})
    foreign = publish_activity(other_org, outsider, title="Elsewhere")

    for activity in (draft, foreign):
        with pytest.raises(services.BadgesError, match="published activities"):
            services.playlist_create(organisation=org, user=organiser, data={"title": "P"}, activity_ids=[activity.pk])


def test_an_empty_playlist_cannot_be_published(org, organiser):
    playlist = services.playlist_create(organisation=org, user=organiser, data={"title": "Empty"}, activity_ids=[])

    with pytest.raises(services.BadgesError, match="at least one"):
        services.playlist_publish(playlist=playlist, user=organiser)


def test_completing_every_activity_issues_the_playlist_badge_once(org, organiser, learner):
    activities = [publish_activity(org, organiser, title=f"Day {n}") for n in (1, 2)]
    playlist = make_playlist(org, organiser, activities)

    claim(activities[0], organiser, learner)
    assert not Assertion.objects.filter(badge=playlist.badge).exists()
    claim(activities[1], organiser, learner)
    claim(activities[1], organiser, learner)

    earned = Assertion.objects.get(badge=playlist.badge)
    assert earned.recipient == learner and earned.source == Assertion.Source.PLAYLIST


def test_at_least_n_activities_complete_the_playlist(org, organiser, learner):
    activities = [publish_activity(org, organiser, title=f"Day {n}") for n in (1, 2, 3)]
    playlist = make_playlist(org, organiser, activities, rule=Playlist.Rule.AT_LEAST, min_count=2)

    claim(activities[0], organiser, learner)
    claim(activities[2], organiser, learner)

    assert Assertion.objects.filter(badge=playlist.badge, recipient=learner).count() == 1


def test_a_badge_emailed_and_then_claimed_into_an_account_counts_for_the_playlist(org, organiser):
    from conftest import make_user

    activity = publish_activity(org, organiser, title="Only day")
    playlist = make_playlist(org, organiser, [activity])
    services.badge_issue_to_emails(badge=activity.badge, text="new@example.test", issued_by=organiser)
    person = make_user("new@example.test")
    claim_row = Assertion.objects.get(badge=activity.badge).claim
    raw = "known-token"
    from learnerpass.lib.tokens import hash_token

    type(claim_row).objects.filter(pk=claim_row.pk).update(token_hash=hash_token(raw))
    Assertion.objects.update(recipient=None)

    services.assertion_claim_accept(token=raw, user=person)

    assert Assertion.objects.filter(badge=playlist.badge, recipient=person).exists()


def test_the_dashboard_shows_badges_and_playlist_progress(login, org, organiser, learner):
    activities = [publish_activity(org, organiser, title=f"Day {n}") for n in (1, 2)]
    make_playlist(org, organiser, activities)
    claim(activities[0], organiser, learner)

    data = selectors.learner_dashboard(learner)
    page = login(learner).get(reverse("me")).content.decode()

    assert [a.badge.name for a in data["assertions"]] == ["Day 1"]
    (progress,) = data["playlists"]
    assert [a.title for a in progress["done"]] == ["Day 1"]
    assert [a.title for a in progress["left"]] == ["Day 2"]
    assert progress["percent"] == 50 and not progress["completed"]
    assert "Outdoor leader" in page and "Day 1" in page and "Acme Learning" in page
    assert "Download image" in page


def test_the_dashboard_runs_a_constant_number_of_queries(org, organiser, learner, django_assert_num_queries):
    def build(n, start):
        activities = [publish_activity(org, organiser, title=f"A{start + i}") for i in range(n)]
        make_playlist(org, organiser, activities + [publish_activity(org, organiser, title=f"Left{start}")])
        for activity in activities:
            claim(activity, organiser, learner)

    build(2, 0)
    # 1. assertions with badge, organisation, activity  2. quests  3. playlist items  4. peer reviews count
    # 5. badge links to continue claiming
    with django_assert_num_queries(5):
        small = selectors.learner_dashboard(learner)
    build(6, 100)
    with django_assert_num_queries(5):
        large = selectors.learner_dashboard(learner)
    assert len(large["assertions"]) > len(small["assertions"])


def test_an_empty_dashboard_is_honest(login, learner):
    page = login(learner).get(reverse("me")).content.decode()

    assert "No badges yet" in page


def test_playlist_invitations_are_emailed(login, org, organiser):
    from outbox.models import Email
    from outbox.services import render_email

    playlist = make_playlist(org, organiser, [publish_activity(org, organiser)])
    url = reverse("badges:playlist_invite", kwargs={"org_slug": org.slug, "pk": playlist.pk})

    response = login(organiser).post(url, {"emails": "a@example.test, a@example.test, bad"}, follow=True)

    assert b"1 invitation sent." in response.content
    assert b"1 invitations" not in response.content
    email = Email.objects.get(kind="playlist_invitation")
    _, text, html = render_email(email)
    assert playlist.get_public_url() in text and playlist.get_public_url() in html


def test_an_unpublished_playlist_cannot_be_invited_to(org, organiser):
    playlist = make_playlist(org, organiser, [publish_activity(org, organiser)])
    services.playlist_unpublish(playlist=playlist, user=organiser)

    with pytest.raises(services.BadgesError, match="Publish"):
        services.playlist_invite(playlist=playlist, text="a@example.test", user=organiser)


def test_playlists_are_created_and_edited_through_the_form(login, org, organiser):
    a = publish_activity(org, organiser, title="First")
    b = publish_activity(org, organiser, title="Second")
    client = login(organiser)

    client.post(
        reverse("badges:playlist_create", kwargs={"org_slug": org.slug}),
        {"title": "Pathway", "description": "d", "rule": "all", "min_count": 1, "activities": [b.pk, a.pk]},
    )
    playlist = Playlist.objects.get()
    client.post(reverse("badges:playlist_publish", kwargs={"org_slug": org.slug, "pk": playlist.pk}))

    playlist.refresh_from_db()
    assert playlist.status == PublishStatus.PUBLISHED
    assert set(playlist.items.values_list("activity__title", flat=True)) == {"First", "Second"}
    assert playlist.badge.name == "Pathway"


def test_the_catalogue_searches_published_activities_and_playlists(client, org, other_org, organiser, outsider):
    publish_activity(org, organiser, title="Canoe safety", place="Lyon", start_date="2026-06-01", end_date="2026-06-02")
    publish_activity(other_org, outsider, title="Chess club", place="Paris", start_date="2026-09-01")
    services.activity_create(organisation=org, user=organiser, data={"title": "Canoe draft"})
    make_playlist(org, organiser, [publish_activity(org, organiser, title="Map reading")])

    def titles(**params):
        activities, playlists = selectors.catalogue(**params)
        return sorted(a.title for a in activities), sorted(p.title for p in playlists)

    assert titles(q="canoe") == (["Canoe safety"], [])
    assert titles(organiser="other")[0] == ["Chess club"]
    assert titles(place="lyon")[0] == ["Canoe safety"]
    import datetime

    assert titles(date_from=datetime.date(2026, 8, 1))[0] == ["Chess club"]
    assert titles(date_to=datetime.date(2026, 7, 1))[0] == ["Canoe safety"]
    assert titles(q="outside") == ([], ["Outdoor leader"])
    page = client.get(reverse("badges:catalogue"), {"q": "canoe"}).content.decode()
    assert "Canoe safety" in page and "Canoe draft" not in page and "Chess club" not in page


def test_the_organisation_public_page_lists_only_its_published_items(client, org, other_org, organiser, outsider):
    ours = publish_activity(org, organiser, title="Ours")
    publish_activity(other_org, outsider, title="Theirs")
    playlist = make_playlist(org, organiser, [ours])

    page = client.get(reverse("badges:organisation", kwargs={"org_slug": org.slug})).content.decode()

    assert "Ours" in page and "Theirs" not in page
    assert playlist.title in page and "1 activity" in page


def test_the_organisation_public_page_runs_a_constant_number_of_queries(
    client, org, organiser, django_assert_num_queries
):
    url = reverse("badges:organisation", kwargs={"org_slug": org.slug})
    for i in range(2):
        make_playlist(org, organiser, [publish_activity(org, organiser, title=f"A{i}")])
    # 1. organisation  2. activities count  3. activities page with organisation and badge
    # 4. playlists count  5. playlists page with organisation, badge, activity count and dates
    with django_assert_num_queries(5):
        client.get(url)
    for i in range(2, 30):
        make_playlist(org, organiser, [publish_activity(org, organiser, title=f"A{i}")])
    with django_assert_num_queries(5):
        client.get(url)
    with django_assert_num_queries(5):
        client.get(url, {"page": 2, "playlists_page": 2})


def test_the_catalogue_runs_a_constant_number_of_queries(client, org, organiser, django_assert_num_queries):
    def build(n, offset):
        for i in range(n):
            activity = publish_activity(org, organiser, title=f"Activity {offset + i}")
            make_playlist(org, organiser, [activity])

    build(3, 0)
    # 1. activities count  2. activities page with organisation and badge
    # 3. playlists count  4. playlists page with organisation, badge, activity count and dates
    with django_assert_num_queries(4):
        client.get(reverse("badges:catalogue"))
    build(30, 100)
    with django_assert_num_queries(4):
        client.get(reverse("badges:catalogue"))
    with django_assert_num_queries(4):
        client.get(reverse("badges:catalogue"), {"organiser": "acme", "page": 2, "playlists_page": 2})


def test_the_catalogue_pages_through_playlists_keeping_the_search_and_the_other_page(client, org, organiser):
    activity = publish_activity(org, organiser, title="Map reading")
    for i in range(30):
        playlist = make_playlist(org, organiser, [activity])
        Playlist.objects.filter(pk=playlist.pk).update(title=f"Route {i:02}")
    url = reverse("badges:catalogue")

    first = client.get(url, {"q": "route"}).content.decode()
    second = client.get(url, {"q": "route", "playlists_page": 2}).content.decode()

    assert "Route 00" in first and "Route 23" in first and "Route 24" not in first
    assert "Route 24" in second and "Route 29" in second and "Route 00" not in second
    assert "?q=route&amp;playlists_page=2#playlists" in first
    assert "Page 2 of 2" in second


def test_the_date_search_applies_to_playlists_by_the_span_of_their_activities(org, organiser):
    june = publish_activity(org, organiser, title="June day", start_date="2026-06-01", end_date="2026-06-02")
    september = publish_activity(org, organiser, title="September day", start_date="2026-09-01")
    make_playlist(org, organiser, [june, september])
    import datetime

    def playlists(**params):
        return [(p.title, p.start_date, p.end_date) for p in selectors.catalogue(**params)[1]]

    span = [("Outdoor leader", datetime.date(2026, 6, 1), datetime.date(2026, 9, 1))]
    assert playlists(date_from=datetime.date(2026, 8, 1)) == span
    assert playlists(date_from=datetime.date(2026, 9, 1), date_to=datetime.date(2026, 9, 1)) == span
    assert playlists(date_to=datetime.date(2026, 6, 1)) == span
    assert playlists(date_from=datetime.date(2026, 9, 2)) == []
    assert playlists(date_to=datetime.date(2026, 5, 31)) == []


def test_a_place_search_finds_a_playlist_and_still_counts_all_its_activities(client, org, organiser):
    lyon = publish_activity(org, organiser, title="Lyon walk", place="Lyon")
    paris = publish_activity(org, organiser, title="Paris walk", place="Paris")
    make_playlist(org, organiser, [lyon, paris])

    found = list(selectors.catalogue(place="lyon")[1])

    assert [(p.title, p.n_activities) for p in found] == [("Outdoor leader", 2)]
    page = client.get(reverse("badges:catalogue"), {"place": "lyon"}).content.decode()
    assert "2 activities" in page


def test_an_empty_search_says_nothing_matches_and_offers_to_clear_it(client, org, organiser):
    publish_activity(org, organiser, title="Map reading")

    page = client.get(reverse("badges:catalogue"), {"q": "underwater basket weaving"}).content.decode()

    assert "No playlists match your search." in page and "No activities match your search." in page
    assert "Clear the search" in page


def test_the_organiser_tile_counts_published_activities_and_pending_evidence(
    org, organiser, activity, django_assert_num_queries
):
    # 1. activity counts  2. pending evidence count
    with django_assert_num_queries(2):
        figures = selectors.org_summary(org)

    assert figures[0][1] == 1 and figures[1][1] == 0


def test_the_organiser_home_shows_the_tile(login, org, organiser):
    page = login(organiser).get(reverse("organisations:home", kwargs={"org_slug": org.slug})).content.decode()

    assert "Activities &amp; badges" in page
    assert "evidence waiting for review" in page


def test_organisers_reorder_a_playlist(login, org, organiser):
    a, b = publish_activity(org, organiser, title="First"), publish_activity(org, organiser, title="Second")
    playlist = make_playlist(org, organiser, [a, b])
    second = playlist.items.get(activity=b)
    url = reverse(
        "badges:playlist_move",
        kwargs={"org_slug": org.slug, "pk": playlist.pk, "item_pk": second.pk, "direction": "up"},
    )

    login(organiser).post(url)

    assert list(playlist.items.values_list("activity__title", flat=True)) == ["Second", "First"]
    assert login(organiser).post(url.replace("/up/", "/sideways/")).status_code == 404


def test_a_bad_date_in_the_catalogue_search_is_ignored(client, db):
    response = client.get(reverse("badges:catalogue"), {"date_from": "2026-13-45", "date_to": "soon"})

    assert response.status_code == 200


def test_a_playlist_in_the_wrong_state_is_refused_and_publishing_again_keeps_its_badge(org, organiser, activity):
    playlist = make_playlist(org, organiser, [activity])
    with pytest.raises(services.BadgesError, match="already published"):
        services.playlist_publish(playlist=playlist, user=organiser)
    services.playlist_unpublish(playlist=playlist, user=organiser)
    with pytest.raises(services.BadgesError, match="not published"):
        services.playlist_unpublish(playlist=playlist, user=organiser)

    services.playlist_publish(playlist=playlist, user=organiser)

    assert BadgeClass.objects.filter(playlist=playlist).count() == 1
    assert BadgeEvent.objects.filter(action=BadgeEvent.Action.UNPUBLISHED, badge=playlist.badge).count() == 1


@pytest.mark.parametrize("kind", ["activity", "playlist"])
def test_the_publish_buttons_say_when_it_is_already_in_that_state(login, org, organiser, activity, kind):
    target = activity if kind == "activity" else make_playlist(org, organiser, [activity])
    client = login(organiser)
    kwargs = {"org_slug": org.slug, "pk": target.pk}

    published_twice = client.post(reverse(f"badges:{kind}_publish", kwargs=kwargs), follow=True)
    unpublished = client.post(reverse(f"badges:{kind}_unpublish", kwargs=kwargs), follow=True)
    unpublished_twice = client.post(reverse(f"badges:{kind}_unpublish", kwargs=kwargs), follow=True)

    assert f"This {kind} is already published." in published_twice.content.decode()
    assert "Unpublished:" in unpublished.content.decode()
    assert f"This {kind} is not published." in unpublished_twice.content.decode()
    target.refresh_from_db()
    assert target.status == PublishStatus.UNPUBLISHED


def test_an_empty_playlist_cannot_be_published_from_its_page(login, org, organiser, activity):
    playlist = services.playlist_create(organisation=org, user=organiser, data={"title": "Empty"}, activity_ids=[])
    url = reverse("badges:playlist_publish", kwargs={"org_slug": org.slug, "pk": playlist.pk})

    response = login(organiser).post(url, follow=True)

    assert "Add at least one published activity" in response.content.decode()
    playlist.refresh_from_db()
    assert playlist.status == PublishStatus.DRAFT and not BadgeClass.objects.filter(playlist=playlist).exists()
