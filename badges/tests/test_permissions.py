"""Every organiser URL × every role: admin and organiser in, learning manager 403, outsider 404, signed out → sign in."""

import pytest
from django.urls import reverse

from badges import services
from badges.models import Assertion, Playlist
from badges.tests.conftest import add_task, enable_link

ROLES = {
    "org_admin": 200,
    "organiser": 200,
    "learning_manager": 403,
    "outsider": 404,
    "learner": 404,
}


@pytest.fixture
def objects(org, organiser, activity, badge, learner):
    task = add_task(badge, organiser)
    link = enable_link(badge, organiser)
    services.badge_link_claim(code=link.code, user=learner)
    submission = services.evidence_submit(task=task, learner=learner, text="x")
    playlist = services.playlist_create(
        organisation=org, user=organiser, data={"title": "P"}, activity_ids=[activity.pk]
    )
    services.badge_issue_to_emails(badge=badge, text="held@example.test", issued_by=organiser)
    return {
        "activity": activity,
        "badge": badge,
        "task": task,
        "submission": submission,
        "playlist": playlist,
        "item": playlist.items.get(),
        "assertion": Assertion.objects.get(),
    }


def organiser_urls(org, o):
    slug = org.slug
    badge = o["badge"].public_id
    return {
        "get": [
            reverse("badges:activities", kwargs={"org_slug": slug}),
            reverse("badges:activity_create", kwargs={"org_slug": slug}),
            reverse("badges:activity_detail", kwargs={"org_slug": slug, "pk": o["activity"].pk}),
            reverse("badges:activity_edit", kwargs={"org_slug": slug, "pk": o["activity"].pk}),
            reverse("badges:playlist_create", kwargs={"org_slug": slug}),
            reverse("badges:playlist_detail", kwargs={"org_slug": slug, "pk": o["playlist"].pk}),
            reverse("badges:playlist_edit", kwargs={"org_slug": slug, "pk": o["playlist"].pk}),
            reverse("badges:badge_detail", kwargs={"org_slug": slug, "public_id": badge}),
            reverse("badges:badge_edit", kwargs={"org_slug": slug, "public_id": badge}),
            reverse("badges:badge_qr", kwargs={"org_slug": slug, "public_id": badge, "kind": "png"}),
            reverse("badges:badge_holders_csv", kwargs={"org_slug": slug, "public_id": badge}),
            reverse("badges:task_edit", kwargs={"org_slug": slug, "public_id": badge, "pk": o["task"].pk}),
            reverse("badges:badge_numbers", kwargs={"org_slug": slug, "public_id": badge}),
            reverse("badges:badge_numbers_csv", kwargs={"org_slug": slug, "public_id": badge}),
            reverse("badges:org_numbers", kwargs={"org_slug": slug}),
            reverse("badges:org_numbers_csv", kwargs={"org_slug": slug}),
            reverse("badges:queue", kwargs={"org_slug": slug}),
        ],
        "post": [
            reverse("badges:activity_publish", kwargs={"org_slug": slug, "pk": o["activity"].pk}),
            reverse("badges:activity_unpublish", kwargs={"org_slug": slug, "pk": o["activity"].pk}),
            reverse("badges:playlist_publish", kwargs={"org_slug": slug, "pk": o["playlist"].pk}),
            reverse("badges:playlist_unpublish", kwargs={"org_slug": slug, "pk": o["playlist"].pk}),
            reverse("badges:playlist_invite", kwargs={"org_slug": slug, "pk": o["playlist"].pk}),
            reverse(
                "badges:playlist_move",
                kwargs={"org_slug": slug, "pk": o["playlist"].pk, "item_pk": o["item"].pk, "direction": "down"},
            ),
            reverse("badges:badge_issue", kwargs={"org_slug": slug, "public_id": badge}),
            reverse("badges:badge_link", kwargs={"org_slug": slug, "public_id": badge}),
            reverse("badges:task_create", kwargs={"org_slug": slug, "public_id": badge}),
            reverse("badges:task_delete", kwargs={"org_slug": slug, "public_id": badge, "pk": o["task"].pk}),
            reverse(
                "badges:task_move",
                kwargs={"org_slug": slug, "public_id": badge, "pk": o["task"].pk, "direction": "down"},
            ),
            reverse("badges:assertion_revoke", kwargs={"org_slug": slug, "public_id": o["assertion"].public_id}),
            reverse("badges:organiser_review", kwargs={"org_slug": slug, "pk": o["submission"].pk}),
        ],
    }


@pytest.mark.parametrize("role", list(ROLES))
def test_organiser_pages_by_role(request, client, org, objects, role):
    client.force_login(request.getfixturevalue(role))
    urls = organiser_urls(org, objects)

    for url in urls["get"]:
        assert client.get(url).status_code == ROLES[role], url
    for url in urls["post"]:
        expected = 302 if ROLES[role] == 200 else ROLES[role]
        assert client.post(url).status_code == expected, url


def test_signed_out_visitors_are_sent_to_sign_in(client, org, objects):
    urls = organiser_urls(org, objects)

    for url in urls["get"] + urls["post"]:
        response = client.post(url) if url in urls["post"] else client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_get_on_a_mutating_view_is_405(client, org, organiser, objects):
    client.force_login(organiser)
    urls = organiser_urls(org, objects)["post"] + [
        reverse("badges:peer_review", kwargs={"public_id": objects["submission"].public_id}),
        reverse("badges:evidence_visibility", kwargs={"public_id": objects["assertion"].public_id}),
        reverse(
            "badges:evidence_submit", kwargs={"public_id": objects["badge"].public_id, "task_pk": objects["task"].pk}
        ),
    ]

    for url in urls:
        assert client.get(url).status_code == 405, url


def test_another_organisations_objects_are_404_even_for_its_admin(client, org, other_org, outsider, objects):
    client.force_login(outsider)
    lists = {
        "/activities/",
        "/activities/new/",
        "/playlists/new/",
        "/evidence/",
        "/badge-numbers/",
        "/badge-numbers.csv",
    }
    object_urls = [u for u in organiser_urls(org, objects)["get"] if not any(u.endswith(x) for x in lists)]
    assert len(object_urls) == 11
    for url in object_urls:
        assert client.get(url.replace(f"/o/{org.slug}/", f"/o/{other_org.slug}/")).status_code == 404, url


def test_the_badge_page_runs_a_constant_number_of_queries(client, org, organiser, badge, django_assert_num_queries):
    client.force_login(organiser)
    url = reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id})

    def count_for(n, offset):
        services.badge_issue_to_emails(
            badge=badge, text=" ".join(f"p{offset + i}@example.test" for i in range(n)), issued_by=organiser
        )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    assert count_for(3, 0) == count_for(9, 100)


def test_the_activities_list_runs_a_constant_number_of_queries(client, org, organiser):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from badges.tests.conftest import publish_activity

    client.force_login(organiser)
    url = reverse("badges:activities", kwargs={"org_slug": org.slug})

    def count_for(n, offset):
        for i in range(n):
            publish_activity(org, organiser, title=f"A{offset + i}")
        Playlist.objects.create(organisation=org, title=f"P{offset}")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    assert count_for(2, 0) == count_for(6, 100)


def test_the_badge_page_says_how_many_learners_work_towards_it_up_to_the_cap(
    client, org, organiser, badge, monkeypatch
):
    from badges.models import Quest
    from conftest import make_user

    monkeypatch.setattr("learnerpass.lib.counts.COUNT_CAP", 3)
    monkeypatch.setattr("learnerpass.templatetags.learnerpass_tags.COUNT_CAP", 3)
    client.force_login(organiser)
    url = reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    people = [make_user(f"q{n}@example.test") for n in range(5)]
    Quest.objects.create(badge=badge, learner=people[0])
    Quest.objects.create(badge=badge, learner=people[1], status=Quest.Status.COMPLETED)
    assert "1 learner working on this badge." in client.get(url).content.decode()
    for person in people[2:]:
        Quest.objects.create(badge=badge, learner=person)
    assert "3+ learners working on this badge." in client.get(url).content.decode()
