"""Open Badges 2.0 hosted documents: what the official validator does not check is checked here."""

import hashlib
import json

import pytest
from django.urls import reverse

from badges import ob, services
from badges.models import Assertion


@pytest.fixture
def assertion(badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="Ana@Example.TEST", issued_by=organiser)
    return Assertion.objects.select_related("badge__organisation").get()


def test_the_recipient_is_a_salted_sha256_of_the_lower_cased_email(assertion):
    expected = "sha256$" + hashlib.sha256(("ana@example.test" + assertion.salt).encode()).hexdigest()

    assert assertion.identity == expected
    assert ob.recipient_identity(" ANA@example.test ", assertion.salt) == expected
    assert len(assertion.salt) == 32


def test_each_assertion_has_its_own_salt(badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="a@example.test b@example.test", issued_by=organiser)

    salts = set(Assertion.objects.values_list("salt", flat=True))

    assert len(salts) == 2


def test_the_assertion_document_follows_the_spec(assertion):
    doc = ob.assertion_document(assertion)

    assert doc["@context"] == "https://w3id.org/openbadges/v2"
    assert doc["type"] == "Assertion"
    assert doc["id"] == f"http://testserver/ob/assertions/{assertion.public_id}"
    assert doc["recipient"] == {
        "type": "email",
        "hashed": True,
        "salt": assertion.salt,
        "identity": assertion.identity,
    }
    assert doc["badge"] == f"http://testserver/ob/badges/{assertion.badge.public_id}"
    assert doc["verification"] == {"type": "hosted"}
    assert doc["issuedOn"].endswith("Z")
    assert doc["image"] == f"http://testserver/ob/assertions/{assertion.public_id}/image"
    assert "ana@example.test" not in json.dumps(doc)
    assert "evidence" not in doc and "expires" not in doc


def test_the_badge_class_and_issuer_documents_follow_the_spec(assertion, org):
    badge = assertion.badge
    doc = ob.badge_class_document(badge)
    issuer = ob.issuer_document(org)

    assert doc["type"] == "BadgeClass"
    assert doc["name"] == "Forest first aid"
    assert doc["description"] == "Forest first aid: a day outdoors."
    assert doc["criteria"]["narrative"] == "Take part all day."
    assert doc["image"].endswith(f"/ob/badges/{badge.public_id}/image")
    assert doc["issuer"] == f"http://testserver/ob/issuers/{org.slug}"
    assert issuer == {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Issuer",
        "id": f"http://testserver/ob/issuers/{org.slug}",
        "name": "Acme Learning",
        "url": f"http://testserver/org/{org.slug}/",
        "email": "hello@acme.test",
        "related": [f"http://testserver/o/{org.slug}/did.json"],
    }


def test_the_issuer_uses_the_organisation_website_and_falls_back_for_a_missing_email(org):
    org.website = "https://acme.example.org"
    org.contact_email = ""

    issuer = ob.issuer_document(org)

    assert issuer["url"] == "https://acme.example.org"
    assert issuer["email"] == "noreply@learnerpass.local"


@pytest.mark.parametrize(
    ("accept", "suffix", "content_type"),
    [
        ("application/ld+json", "", "application/ld+json"),
        ("application/json", "", "application/json"),
        ("application/ld+json, application/json, image/png, image/svg+xml", "", "application/ld+json"),
        ("text/html", ".json", "application/ld+json"),
    ],
)
def test_json_documents_answer_with_a_json_content_type(client, assertion, org, accept, suffix, content_type):
    urls = [
        f"/ob/assertions/{assertion.public_id}{suffix}",
        f"/ob/badges/{assertion.badge.public_id}{suffix}",
        f"/ob/issuers/{org.slug}{suffix}",
    ]
    for url in urls:
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 200, url
        assert response["Content-Type"] == content_type
        assert response["Access-Control-Allow-Origin"] == "*"
        assert json.loads(response.content)["@context"] == "https://w3id.org/openbadges/v2"


def test_a_browser_gets_human_pages(client, assertion, org):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get(assertion.get_absolute_url(), headers={"Accept": accept})
    badge_page = client.get(f"/ob/badges/{assertion.badge.public_id}", headers={"Accept": accept})
    issuer = client.get(f"/ob/issuers/{org.slug}", headers={"Accept": accept})

    assert page["Content-Type"].startswith("text/html")
    assert b"Verified" in page.content
    assert b"Forest first aid" in badge_page.content
    assert issuer.status_code == 302 and issuer["Location"] == f"/org/{org.slug}/"


def test_the_page_checks_whether_an_email_is_the_recipient(client, assertion):
    yes = client.get(assertion.get_absolute_url(), {"email": "ANA@example.test"})
    no = client.get(assertion.get_absolute_url(), {"email": "bob@example.test"})

    assert b"Yes: this badge was issued to" in yes.content
    assert b"No: this badge was not issued to" in no.content


def test_a_revoked_assertion_answers_410_with_revoked_and_the_reason(client, assertion, organiser):
    services.assertion_revoke(assertion=assertion, reason="Issued by mistake", user=organiser)

    response = client.get(assertion.get_absolute_url(), headers={"Accept": "application/ld+json"})
    page = client.get(assertion.get_absolute_url())

    assert response.status_code == 410
    assert response["Content-Type"] == "application/ld+json"
    body = json.loads(response.content)
    assert body["revoked"] is True
    assert body["revocationReason"] == "Issued by mistake"
    assert body["id"] == ob.assertion_url(assertion)
    assert page.status_code == 410
    assert b"Revoked" in page.content and b"Issued by mistake" in page.content


def test_a_revoked_assertion_answers_the_whole_assertion_marked_revoked(client, assertion, organiser):
    complete = ob.assertion_document(assertion)
    services.assertion_revoke(assertion=assertion, reason="Issued by mistake", user=organiser)

    response = client.get(assertion.get_absolute_url(), headers={"Accept": "application/ld+json"})

    body = json.loads(response.content)
    assert response.status_code == 410
    assert body == {**complete, "revoked": True, "revocationReason": "Issued by mistake"}
    for key in ("recipient", "badge", "issuedOn", "verification"):
        assert key in body


def test_the_badge_class_document_carries_its_alignment_and_tags(badge, organiser):
    badge = services.badge_update(
        badge=badge,
        user=organiser,
        name=badge.name,
        description=badge.description,
        criteria=badge.criteria,
        alignment=[
            {
                "targetName": "provide first aid",
                "targetUrl": "http://data.europa.eu/esco/skill/example",
                "targetFramework": "ESCO",
                "targetCode": "",
            },
            {
                "targetName": "Outdoor safety",
                "targetUrl": "https://example.org/frameworks/outdoor#safety",
                "targetDescription": "Keeps a group safe outdoors.",
                "targetFramework": "Example framework",
                "targetCode": "OS-1",
            },
        ],
        tags=["first aid", " outdoors ", "First Aid", ""],
    )

    doc = ob.badge_class_document(badge)

    assert doc["alignment"] == [
        {
            "targetName": "provide first aid",
            "targetUrl": "http://data.europa.eu/esco/skill/example",
            "targetFramework": "ESCO",
        },
        {
            "targetName": "Outdoor safety",
            "targetUrl": "https://example.org/frameworks/outdoor#safety",
            "targetDescription": "Keeps a group safe outdoors.",
            "targetFramework": "Example framework",
            "targetCode": "OS-1",
        },
    ]
    assert doc["tags"] == ["first aid", "outdoors"]


def test_a_badge_without_alignment_or_tags_leaves_them_out(badge):
    doc = ob.badge_class_document(badge)

    assert "alignment" not in doc and "tags" not in doc


@pytest.mark.parametrize(
    ("alignment", "message"),
    [
        ([{"targetName": "No URL"}], "needs both the name and the URL"),
        ([{"targetUrl": "https://example.org/"}], "needs both the name and the URL"),
        ([{"targetName": "Bad", "targetUrl": "javascript:alert(1)"}], "full http or https address"),
        ([{"targetName": "x" * 501, "targetUrl": "https://example.org/"}], "too long"),
        ([{"targetName": f"n{i}", "targetUrl": "https://example.org/"} for i in range(11)], "At most 10"),
    ],
)
def test_a_wrong_alignment_is_refused_and_changes_nothing(badge, organiser, alignment, message):
    with pytest.raises(services.BadgesError, match=message):
        services.badge_update(
            badge=badge, user=organiser, name="Changed", description="d", criteria="c", alignment=alignment
        )

    badge.refresh_from_db()
    assert badge.name == "Forest first aid" and badge.alignment == []


@pytest.mark.parametrize(
    ("tags", "message"),
    [(["x" * 51], "at most 50 characters"), ([f"t{i}" for i in range(21)], "At most 20 tags")],
)
def test_wrong_tags_are_refused(badge, organiser, tags, message):
    with pytest.raises(services.BadgesError, match=message):
        services.badge_update(badge=badge, user=organiser, name="n", description="d", criteria="c", tags=tags)


def test_revoking_twice_is_refused(assertion, organiser):
    services.assertion_revoke(assertion=assertion, reason="Mistake", user=organiser)

    with pytest.raises(services.BadgesError, match="already revoked"):
        services.assertion_revoke(assertion=assertion, reason="Again", user=organiser)


def test_revoking_needs_a_reason(assertion, organiser):
    with pytest.raises(services.BadgesError, match="reason"):
        services.assertion_revoke(assertion=assertion, reason="  ", user=organiser)


def test_unknown_documents_are_404(client, db):
    assert client.get("/ob/assertions/nope", headers={"Accept": "application/json"}).status_code == 404
    assert client.get("/ob/badges/nope.json").status_code == 404
    assert client.get("/ob/issuers/nope.json").status_code == 404


def test_the_assertion_json_runs_one_query(client, assertion, django_assert_max_num_queries):
    url = f"/ob/assertions/{assertion.public_id}"
    # 1. the assertion joined with its badge class
    with django_assert_max_num_queries(1):
        response = client.get(url, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200


def test_badge_and_assertion_images_are_real_png_or_svg(client, assertion):
    badge_image = client.get(f"/ob/badges/{assertion.badge.public_id}/image")
    baked = client.get(f"/ob/assertions/{assertion.public_id}/image")

    assert badge_image.status_code == 200
    assert badge_image["Content-Type"] == "image/svg+xml"
    assert badge_image.content.startswith(b"<svg")
    assert baked.status_code == 200
    assert baked["Content-Type"] == "image/svg+xml"
    assert b"<openbadges:assertion" in baked.content


def test_the_image_url_bakes_in_memory_until_the_bake_job_stored_it_and_never_writes_a_file(client, assertion):
    from badges.baking import unbake

    first = client.get(f"/ob/assertions/{assertion.public_id}/image?download=1")
    assertion.refresh_from_db()
    assert not assertion.baked_image
    assert first["Cache-Control"] == "no-store"
    assert "attachment" in first["Content-Disposition"]
    assert json.loads(unbake(first.content))["id"] == ob.assertion_url(assertion)

    services.assertion_bake(assertion_id=assertion.pk)
    assertion.refresh_from_db()
    stored = assertion.baked_image.name
    assert stored
    again = client.get(f"/ob/assertions/{assertion.public_id}/image")
    assert "Cache-Control" not in again
    with assertion.baked_image.open("rb") as handle:
        assert again.content == handle.read()
    assert json.loads(unbake(again.content))["id"] == ob.assertion_url(assertion)


def test_a_png_badge_bakes_into_a_png(client, badge, organiser):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from badges.baking import unbake
    from badges.tests.test_images import png_bytes

    services.badge_update(
        badge=badge,
        user=organiser,
        name=badge.name,
        description=badge.description,
        criteria=badge.criteria,
        image=SimpleUploadedFile("b.png", png_bytes()),
    )
    services.badge_issue_to_emails(badge=badge, text="png@example.test", issued_by=organiser)
    assertion = Assertion.objects.get()

    baked = client.get(f"/ob/assertions/{assertion.public_id}/image")
    image = client.get(f"/ob/badges/{badge.public_id}/image")

    assert baked["Content-Type"] == image["Content-Type"] == "image/png"
    assert baked.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert json.loads(unbake(baked.content))["recipient"]["identity"] == assertion.identity


def test_changing_the_badge_image_rebakes_assertions(client, assertion, organiser):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from badges.tests.test_images import png_bytes

    client.get(f"/ob/assertions/{assertion.public_id}/image")
    services.badge_update(
        badge=assertion.badge,
        user=organiser,
        name="New name",
        description="d",
        criteria="c",
        image=SimpleUploadedFile("b.png", png_bytes()),
    )

    baked = client.get(f"/ob/assertions/{assertion.public_id}/image")

    assert baked.content.startswith(b"\x89PNG")


def test_assertion_urls_use_no_database_ids(assertion):
    assert str(assertion.pk) != assertion.public_id
    assert len(assertion.public_id) >= 16
    assert reverse("badges:assertion", kwargs={"public_id": assertion.public_id}).endswith(assertion.public_id)


def test_an_expiry_is_published_and_shown(client, badge, organiser):
    from datetime import timedelta

    from django.utils import timezone

    services.badge_issue_to_emails(
        badge=badge, text="x@example.test", issued_by=organiser, expires=timezone.now() + timedelta(days=365)
    )
    assertion = Assertion.objects.get()

    doc = client.get(assertion.get_absolute_url(), headers={"Accept": "application/json"}).json()
    assert doc["expires"].endswith("Z")
    Assertion.objects.update(expires=timezone.now() - timedelta(days=1))
    assert b"Expired" in client.get(assertion.get_absolute_url()).content


def test_an_expiry_in_the_past_is_refused(badge, organiser):
    from django.utils import timezone

    with pytest.raises(services.BadgesError, match="future"):
        services.badge_issue_to_emails(badge=badge, text="x@example.test", issued_by=organiser, expires=timezone.now())
