"""Checking a credential: signature, issuer, dates and status, each with its own result.

Only this site's issuers are resolved (did:web DIDs under SITE_URL), from the database and
without any HTTP request; a credential from elsewhere gets a clear "cannot check here".
Used by the public verification page and by `manage.py verify_credential`.
"""

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from credentials import crypto, did, proofs
from credentials.models import SigningKey, StatusList
from credentials.services import decode_bits, status_list_credential
from organisations.models import Organisation

MAX_JSON_BYTES = 512 * 1024
# Canonicalisation cost grows fast with nesting and blank nodes; a real credential has a few dozen
# objects at most a handful deep, so anything far beyond is refused before it is processed.
MAX_DEPTH = 20
MAX_OBJECTS = 300
CREDENTIAL_ATTACHMENT_SUFFIX = ".json"


class UnreadableCredential(ValueError):
    """The input is not a credential we can read (bad JSON, a PDF without one, too large)."""


@dataclass
class Check:
    key: str
    label: str
    ok: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    credential: dict | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def add(self, key: str, label: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(key, label, ok, detail))
        return ok

    @property
    def name(self) -> str:
        credential = self.credential or {}
        subject = credential.get("credentialSubject") or {}
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        if isinstance(achievement, dict) and isinstance(achievement.get("name"), str):
            return achievement["name"]
        return credential.get("name") if isinstance(credential.get("name"), str) else ""

    @property
    def issuer_name(self) -> str:
        issuer = (self.credential or {}).get("issuer")
        return issuer.get("name", "") if isinstance(issuer, dict) and isinstance(issuer.get("name"), str) else ""


def credential_from_bytes(data: bytes) -> dict:
    """A credential from JSON text or from a PDF carrying one as an attached file."""
    if data.lstrip()[:5] == b"%PDF-":
        data = _attachment_from_pdf(data)
    if len(data) > MAX_JSON_BYTES:
        raise UnreadableCredential(_("The credential is too large."))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise UnreadableCredential(_("This is not JSON: paste or upload the credential file.")) from None
    if not isinstance(document, dict):
        raise UnreadableCredential(_("A credential is a JSON object."))
    _check_size(document)
    return document


def _check_size(document: dict) -> None:
    objects = 0
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnreadableCredential(_("The credential is nested too deeply to be one of ours."))
        if isinstance(node, dict):
            objects += 1
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
        if objects > MAX_OBJECTS:
            raise UnreadableCredential(_("The credential has too many parts to be one of ours."))


def _attachment_from_pdf(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        attachments = reader.attachments
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError):
        raise UnreadableCredential(_("This PDF cannot be read.")) from None
    for name, contents in attachments.items():
        if name.lower().endswith(CREDENTIAL_ATTACHMENT_SUFFIX) and contents:
            return contents[0]
    raise UnreadableCredential(_("This PDF carries no credential."))


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _issuer_id(credential: dict) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else ""


class _LocalKeys:
    """Resolve a verification method of one of this site's DIDs to its public key, from the database."""

    def __init__(self, issuer: str):
        self.issuer = issuer

    def __call__(self, method: str):
        did_part, _sep, fragment = method.partition("#")
        if did_part != self.issuer:
            raise proofs.ProofError(_("The proof's key does not belong to the issuer."))
        slug = did.slug_from_did(did_part)
        key = (
            SigningKey.objects.filter(organisation__slug=slug, public_key_multibase=fragment).first() if slug else None
        )
        if key is None:
            raise proofs.ProofError(_("The issuer's DID document does not list the proof's key."))
        return crypto.public_key_from_multibase(key.public_key_multibase)


def verify_credential(credential: dict, *, now: datetime | None = None) -> Report:
    now = now or datetime.now(UTC)
    report = Report(credential=credential)
    types = credential.get("type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if "VerifiableCredential" not in types:
        report.add("format", _("Format"), False, _("This is not a verifiable credential."))
        return report
    report.add("format", _("Format"), True, ", ".join(str(t) for t in types))

    issuer = _issuer_id(credential)
    slug = did.slug_from_did(issuer)
    organisation = Organisation.objects.filter(slug=slug).first() if slug else None
    if organisation is None:
        report.add(
            "issuer",
            _("Issuer"),
            False,
            _("%(issuer)s is not an issuer on this site; resolve its DID with another verifier.")
            % {"issuer": issuer or _("(none)")},
        )
    else:
        report.add(
            "issuer",
            _("Issuer"),
            True,
            _("%(name)s (%(did)s), resolved from this site's DID document.")
            % {"name": organisation.name, "did": issuer},
        )

    try:
        proof = proofs.verify(credential, public_key_for=_LocalKeys(issuer))
        report.add("signature", _("Signature"), True, _("Signed with %(key)s.") % {"key": proof.verification_method})
    except proofs.ProofError as exc:
        report.add("signature", _("Signature"), False, str(exc))

    valid_from, valid_until = _parse_time(credential.get("validFrom")), _parse_time(credential.get("validUntil"))
    if valid_from is None:
        report.add("dates", _("Dates"), False, _("No valid validFrom date."))
    elif valid_from > now:
        report.add("dates", _("Dates"), False, _("Not valid before %(date)s.") % {"date": credential["validFrom"]})
    elif "validUntil" in credential and valid_until is None:
        report.add("dates", _("Dates"), False, _("The validUntil date is malformed."))
    elif valid_until is not None and valid_until <= now:
        report.add("dates", _("Dates"), False, _("Expired on %(date)s.") % {"date": credential["validUntil"]})
    else:
        detail = _("Valid from %(date)s.") % {"date": credential["validFrom"]}
        if valid_until is not None:
            detail += " " + _("Valid until %(date)s.") % {"date": credential["validUntil"]}
        report.add("dates", _("Dates"), True, detail)

    _check_status(report, credential, issuer)
    return report


def _check_status(report: Report, credential: dict, issuer: str) -> None:
    label = _("Status")
    entries = credential.get("credentialStatus")
    entries = [entries] if isinstance(entries, dict) else entries if isinstance(entries, list) else []
    entries = [e for e in entries if isinstance(e, dict) and e.get("type") == "BitstringStatusListEntry"]
    if not entries:
        report.add("status", label, False, _("The credential has no revocation status to check."))
        return
    for entry in entries:
        url = entry.get("statusListCredential")
        try:
            index = int(entry.get("statusListIndex"))
        except (TypeError, ValueError):
            report.add("status", label, False, _("The status entry's index is malformed."))
            return
        status_list = _local_status_list(url)
        if status_list is None or did.did_for(status_list.organisation.slug) != issuer:
            report.add(
                "status", label, False, _("The status list %(url)s is not this issuer's list here.") % {"url": url}
            )
            return
        try:
            bits = _verified_bits(status_list_credential(status_list=status_list), issuer)
        except (proofs.ProofError, ValueError, KeyError, TypeError, OSError):
            report.add("status", label, False, _("The status list does not verify."))
            return
        if not 0 <= index < len(bits) * 8:
            report.add("status", label, False, _("The status entry's index is outside the list."))
            return
        if bits[index // 8] & (0x80 >> (index % 8)):
            report.add("status", label, False, _("Revoked by the issuer."))
            return
    report.add("status", label, True, _("Not revoked (checked in the issuer's signed status list)."))


# The bits of status list credentials already verified, by the hash of their signed text: a list
# changes only when a bit flips (and is then signed anew), so checking many credentials of one
# organisation checks its list's signature once. A memo of a pure result, safe in every process.
_verified_lists: dict[str, bytes] = {}


def _verified_bits(signed: str, issuer: str) -> bytes:
    digest = hashlib.sha256(f"{issuer}\n{signed}".encode()).hexdigest()
    bits = _verified_lists.get(digest)
    if bits is None:
        listed = json.loads(signed)
        if _issuer_id(listed) != issuer or "BitstringStatusListCredential" not in listed.get("type", []):
            raise proofs.ProofError("not this issuer's status list")
        proofs.verify(listed, public_key_for=_LocalKeys(issuer))
        bits = decode_bits(listed["credentialSubject"]["encodedList"])
        if len(_verified_lists) > 256:
            _verified_lists.clear()
        _verified_lists[digest] = bits
    return bits


def _local_status_list(url) -> StatusList | None:
    if not isinstance(url, str):
        return None
    if not url.startswith(settings.SITE_URL + "/"):
        return None
    try:
        match = resolve(url[len(settings.SITE_URL) :])
    except Resolver404:
        return None
    if match.view_name != "credentials:status_list":
        return None
    return (
        StatusList.objects.select_related("organisation")
        .filter(public_id=match.kwargs["list_id"], organisation__slug=match.kwargs["org_slug"])
        .first()
    )
