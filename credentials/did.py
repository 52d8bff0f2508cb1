"""The organisation's did:web identifier, its DID document and the addresses inside it.

`did:web:<host>:o:<slug>` resolves to `https://<host>/o/<slug>/did.json`; a port in SITE_URL is
written `%3A` in the DID, as did:web says, and a path under which the site lives becomes more
colon-separated segments.
"""

from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.urls import reverse

from credentials import ld


def _site_segments() -> list[str]:
    parts = urlsplit(settings.SITE_URL)
    host = parts.hostname or "localhost"
    if parts.port:
        host = f"{host}%3A{parts.port}"
    path = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return [host, *path]


def did_for(slug: str) -> str:
    return "did:web:" + ":".join([*_site_segments(), "o", slug])


def slug_from_did(did: str) -> str | None:
    """The organisation slug when `did` is one of this site's organisation DIDs, else None."""
    prefix = "did:web:" + ":".join(_site_segments()) + ":o:"
    if not did.startswith(prefix):
        return None
    slug = unquote(did[len(prefix) :])
    return slug if slug and ":" not in slug and "/" not in slug and "#" not in slug else None


def key_id(slug: str, public_key_multibase: str) -> str:
    return f"{did_for(slug)}#{public_key_multibase}"


def did_document_url(slug: str) -> str:
    return settings.SITE_URL + reverse("credentials:did", kwargs={"org_slug": slug})


def status_list_url(slug: str, list_id: str) -> str:
    return settings.SITE_URL + reverse("credentials:status_list", kwargs={"org_slug": slug, "list_id": list_id})


def did_document(slug: str, public_keys: list[str]) -> dict:
    """Every key the organisation ever signed with, newest first, as Multikey verification methods."""
    did = did_for(slug)
    methods = [
        {"id": f"{did}#{key}", "type": "Multikey", "controller": did, "publicKeyMultibase": key} for key in public_keys
    ]
    return {
        "@context": [ld.DID_V1, ld.MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
