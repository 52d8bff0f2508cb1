"""Open Badges 3.0: the one place that turns an assertion into an `OpenBadgeCredential`.

The same facts as the 2.0 documents (badges/ob.py), as a W3C verifiable credential whose issuer
is the organisation's did:web DID. Signing and storing happen in services; this is pure.
"""

from django.conf import settings
from django.utils.html import strip_tags

from badges import ob
from badges.models import Assertion
from credentials import did, ld
from credentials.services import status_entry_document
from learnerpass.lib.urls import absolute_url
from organisations.models import Organisation


def credential_url(assertion: Assertion) -> str:
    return absolute_url("badges:assertion_credential", public_id=assertion.public_id)


def _iso(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_profile(org: Organisation) -> dict:
    profile = {
        "id": did.did_for(org.slug),
        "type": ["Profile"],
        "name": org.name,
        "url": org.website or absolute_url("badges:organisation", org_slug=org.slug),
        "email": org.contact_email or ob.issuer_document(org)["email"],
    }
    if org.description:
        profile["description"] = org.description
    if org.logo:
        profile["image"] = {"id": settings.SITE_URL + org.logo.url, "type": "Image"}
    return profile


def achievement(assertion: Assertion) -> dict:
    badge = assertion.badge
    criteria = {"id": ob.badge_url(badge) + "#criteria"}
    criteria["narrative"] = badge.criteria.strip() or strip_tags(badge.description) or badge.name
    document = {
        "id": ob.badge_url(badge),
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": badge.name,
        "description": strip_tags(badge.description) or badge.name,
        "criteria": criteria,
        "image": {"id": ob.badge_image_url(badge), "type": "Image"},
    }
    alignment = [{"type": ["Alignment"], **item} for item in ob.alignment_items(badge)]
    if alignment:
        document["alignment"] = alignment
    if badge.tags:
        document["tag"] = [str(tag) for tag in badge.tags]
    return document


def evidence(assertion: Assertion) -> list[dict]:
    items = []
    for item in ob.evidence_items(assertion):
        entry = {"type": ["Evidence"], "name": item["name"]}
        if item.get("id"):
            entry["id"] = item["id"]
        if item.get("narrative"):
            entry["narrative"] = item["narrative"]
        items.append(entry)
    return items


def assertion_credential(assertion: Assertion, *, status_list_public_id: str) -> dict:
    """The unsigned OpenBadgeCredential of an assertion whose status entry is allocated."""
    org = assertion.badge.organisation
    document = {
        "@context": [ld.VC_V2, ld.OB_V3],
        "id": credential_url(assertion),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(org),
        "validFrom": _iso(assertion.issued_on),
        "name": assertion.badge.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": assertion.identity,
                    "identityType": "emailAddress",
                    "salt": assertion.salt,
                }
            ],
            "achievement": achievement(assertion),
        },
        "credentialStatus": status_entry_document(
            slug=org.slug, list_public_id=status_list_public_id, index=assertion.status_index
        ),
    }
    if assertion.expires:
        document["validUntil"] = _iso(assertion.expires)
    items = evidence(assertion)
    if items:
        document["evidence"] = items
    return document
