"""Open Badges 2.0 documents: the one place that turns our rows into the spec's JSON-LD.

Every id is an absolute URL built from SITE_URL, so hosted verification finds each
document on the same origin as the assertion that names it.
"""

import hashlib
import json

from django.conf import settings
from django.utils.html import strip_tags

from badges.models import ALIGNMENT_KEYS, Assertion, BadgeClass
from credentials import did
from learnerpass.lib.urls import absolute_url
from organisations.models import Organisation

CONTEXT = "https://w3id.org/openbadges/v2"
JSON_TYPES = ("application/ld+json", "application/json")
# What the negotiating URLs can answer, the page first: `*/*` or no Accept header gets the page.
OFFERED_TYPES = ("text/html", *JSON_TYPES)


def recipient_identity(email: str, salt: str) -> str:
    """The spec's hashed email identity; the address is lower-cased so any spelling of it verifies."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def issuer_url(org: Organisation) -> str:
    return absolute_url("badges:issuer", org_slug=org.slug)


def badge_url(badge: BadgeClass) -> str:
    return absolute_url("badges:badge_class", public_id=badge.public_id)


def badge_image_url(badge: BadgeClass) -> str:
    return absolute_url("badges:badge_image", public_id=badge.public_id)


def assertion_url(assertion: Assertion) -> str:
    return absolute_url("badges:assertion", public_id=assertion.public_id)


def assertion_image_url(assertion: Assertion) -> str:
    return absolute_url("badges:assertion_image", public_id=assertion.public_id)


def _iso(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _fallback_email() -> str:
    # DEFAULT_FROM_EMAIL may be "Name <address>"; the spec wants the address.
    value = settings.DEFAULT_FROM_EMAIL
    return value.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in value else value


def issuer_document(org: Organisation) -> dict:
    doc = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(org),
        "name": org.name,
        "url": org.website or absolute_url("badges:organisation", org_slug=org.slug),
        "email": org.contact_email or _fallback_email(),
    }
    if org.description:
        doc["description"] = org.description
    if org.logo:
        doc["image"] = settings.SITE_URL + org.logo.url
    # The same issuer in Open Badges 3.0: its did:web DID document (an https address, as OB 2.0 wants
    # for linked ids), which lists the keys that sign the organisation's 3.0 credentials.
    doc["related"] = [did.did_document_url(org.slug)]
    return doc


def alignment_items(badge: BadgeClass) -> list[dict]:
    """The badge's alignments as OB 2.0 AlignmentObjects: the stored keys, empty ones left out."""
    return [{key: item[key] for key in ALIGNMENT_KEYS if item.get(key)} for item in badge.alignment or []]


def badge_class_document(badge: BadgeClass) -> dict:
    criteria = {"id": absolute_url("badges:badge_class", public_id=badge.public_id) + "#criteria"}
    if badge.criteria.strip():
        criteria["narrative"] = badge.criteria
    doc = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_url(badge),
        "name": badge.name,
        "description": strip_tags(badge.description) or badge.name,
        "image": badge_image_url(badge),
        "criteria": criteria,
        "issuer": issuer_url(badge.organisation),
    }
    alignment = alignment_items(badge)
    if alignment:
        doc["alignment"] = alignment
    if badge.tags:
        doc["tags"] = list(badge.tags)
    return doc


def evidence_items(assertion: Assertion) -> list[dict]:
    items = []
    for item in assertion.evidence if assertion.show_evidence else []:
        entry = {"type": "Evidence", "name": item.get("name", "")}
        if item.get("url"):
            entry["id"] = item["url"]
        if item.get("narrative"):
            entry["narrative"] = item["narrative"]
        items.append(entry)
    return items


def assertion_document(assertion: Assertion) -> dict:
    doc = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(assertion),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": assertion.salt,
            "identity": assertion.identity,
        },
        "badge": badge_url(assertion.badge),
        "issuedOn": _iso(assertion.issued_on),
        "verification": {"type": "hosted"},
        "image": assertion_image_url(assertion),
    }
    evidence = evidence_items(assertion)
    if evidence:
        doc["evidence"] = evidence
    if assertion.expires:
        doc["expires"] = _iso(assertion.expires)
    return doc


def revoked_document(assertion: Assertion) -> dict:
    """What a revoked hosted assertion answers, with HTTP 410 (OB 2.0 §Hosted verification).

    The whole assertion with `revoked` and `revocationReason`: a consumer that reads only the body, or
    checks the usual properties before looking at `revoked`, still finds a complete assertion marked revoked.
    """
    return {
        **assertion_document(assertion),
        "revoked": True,
        "revocationReason": assertion.revocation_reason or "Revoked by the issuer",
    }


def dumps(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def wants_json(request, suffix: str | None = None) -> str | None:
    """The JSON content type to answer with, or None for the page.

    The Accept header's q-values decide (`text/html, application/json;q=0` is a page); `*/*`, no header or
    nothing we offer gets the page. Responses chosen this way must carry `Vary: Accept`.
    """
    if suffix == ".json":
        return "application/ld+json"
    preferred = request.get_preferred_type(OFFERED_TYPES)
    return preferred if preferred in JSON_TYPES else None
