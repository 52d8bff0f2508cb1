"""The Open Badges URLs answer JSON or a page by the Accept header: q-values count, caches are told (Vary),
and an unknown id asked for as JSON is a JSON 404."""

import json

import pytest
from django.urls import reverse

from badges import services
from badges.models import Assertion


@pytest.fixture
def assertion(badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser)
    return Assertion.objects.get()


@pytest.fixture
def urls(org, badge, assertion):
    return {
        "issuer": reverse("badges:issuer", kwargs={"org_slug": org.slug}),
        "badge": reverse("badges:badge_class", kwargs={"public_id": badge.public_id}),
        "assertion": reverse("badges:assertion", kwargs={"public_id": assertion.public_id}),
    }


KINDS = ["issuer", "badge", "assertion"]


def varies_on_accept(response) -> bool:
    return "accept" in [v.strip().lower() for v in response.get("Vary", "").split(",")]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/json"),
        ("application/ld+json, application/json, image/png, image/svg+xml", "application/ld+json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("text/html, application/json;q=0", "text/html"),
        ("application/json;q=0.2, text/html;q=0.9", "text/html"),
        ("text/html;q=0.4, application/json;q=0.5", "application/json"),
        ("*/*", "text/html"),
        (None, "text/html"),
    ],
)
def test_the_accept_header_and_its_q_values_choose_json_or_the_page(client, urls, kind, accept, expected):
    headers = {"Accept": accept} if accept is not None else {}

    response = client.get(urls[kind], headers=headers, follow=True)

    assert response["Content-Type"].split(";")[0] == expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("accept", ["application/ld+json", "text/html"])
def test_every_negotiated_answer_varies_on_accept(client, urls, kind, accept):
    response = client.get(urls[kind], headers={"Accept": accept})

    assert varies_on_accept(response)


def test_a_revoked_assertion_page_varies_on_accept_too(client, urls, assertion, organiser):
    services.assertion_revoke(assertion=assertion, reason="Wrong person.", user=organiser)

    page = client.get(urls["assertion"], headers={"Accept": "text/html"})
    document = client.get(urls["assertion"], headers={"Accept": "application/ld+json"})

    assert page.status_code == document.status_code == 410
    assert varies_on_accept(page) and varies_on_accept(document)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("badges:issuer", {"org_slug": "nobody"}),
        ("badges:badge_class", {"public_id": "unknown-id"}),
        ("badges:assertion", {"public_id": "unknown-id"}),
        ("badges:issuer_json", {"org_slug": "nobody"}),
        ("badges:badge_class_json", {"public_id": "unknown-id"}),
        ("badges:assertion_json", {"public_id": "unknown-id"}),
    ],
)
def test_an_unknown_id_asked_for_as_json_is_a_json_404(client, db, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs), headers={"Accept": "application/ld+json"})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/ld+json"
    assert json.loads(response.content)["error"] == "not found"
    if not name.endswith("_json"):
        assert varies_on_accept(response)


def test_an_unknown_id_asked_for_as_a_page_is_the_html_404(client, db):
    response = client.get(
        reverse("badges:assertion", kwargs={"public_id": "unknown-id"}), headers={"Accept": "text/html"}
    )

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert varies_on_accept(response)


def test_the_json_form_of_the_url_is_always_json(client, assertion):
    url = reverse("badges:assertion_json", kwargs={"public_id": assertion.public_id})

    response = client.get(url, headers={"Accept": "text/html"})

    assert response["Content-Type"] == "application/ld+json"
    assert json.loads(response.content)["type"] == "Assertion"
