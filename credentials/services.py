"""Every write of the credentials app: signing keys, status list entries and bits, signatures.

Feature apps (badges, certificates) call these; this app knows none of them.
"""

import base64
import gzip
import io
import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credentials import crypto, did, ld, proofs
from credentials.models import SigningKey, StatusList
from learnerpass.lib.actions import UserError
from organisations.models import Organisation


class CredentialsError(UserError):
    pass


def _create_key(organisation: Organisation) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    return SigningKey.objects.create(
        organisation=organisation,
        public_key_multibase=crypto.public_key_multibase(private.public_key()),
        private_key_encrypted=crypto.encrypt_private_key(private),
    )


def signing_key_for(*, organisation: Organisation) -> SigningKey:
    """The organisation's active signing key, created on first need."""
    key = SigningKey.objects.filter(organisation=organisation, retired_at__isnull=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _create_key(organisation)
    except IntegrityError:
        # Another request created it first (the one-active-key constraint).
        return SigningKey.objects.get(organisation=organisation, retired_at__isnull=True)


@transaction.atomic
def signing_key_rotate(*, organisation: Organisation) -> SigningKey:
    """Retire the active key (it stays in the DID document, so what it signed still verifies) and make a new one."""
    SigningKey.objects.select_for_update().filter(organisation=organisation, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    return _create_key(organisation)


def signing_keys_reencrypt() -> int:
    """Encrypt every private key again with the first CREDENTIALS_KEY (after adding a new one)."""
    count = 0
    for key in SigningKey.objects.only("pk", "private_key_encrypted").iterator():
        SigningKey.objects.filter(pk=key.pk).update(private_key_encrypted=crypto.reencrypt(key.private_key_encrypted))
        count += 1
    return count


def credential_sign(*, organisation: Organisation, document: dict, created: datetime | None = None) -> dict:
    """Add the organisation's eddsa-rdfc-2022 proof to an unsigned credential."""
    key = signing_key_for(organisation=organisation)
    return proofs.sign(
        document,
        private_key=crypto.decrypt_private_key(key.private_key_encrypted),
        verification_method=did.key_id(organisation.slug, key.public_key_multibase),
        created=created or timezone.now(),
    )


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


# --- Bitstring status lists -------------------------------------------------------------------


@dataclass(frozen=True)
class StatusEntry:
    status_list_id: int
    index: int


def status_entries_allocate(*, organisation: Organisation, count: int) -> list[StatusEntry]:
    """Give out `count` revocation entries (one per credential), in the caller's transaction.

    The organisation's open list is locked while its counter moves, so two issues never share
    an entry; a full list is followed by a new one.
    """
    entries: list[StatusEntry] = []
    with transaction.atomic():
        while len(entries) < count:
            status_list = (
                StatusList.objects.select_for_update()
                .filter(organisation=organisation, purpose=StatusList.Purpose.REVOCATION)
                .order_by("-created_at", "-id")
                .first()
            )
            if status_list is None or status_list.is_full:
                status_list = StatusList.objects.create(organisation=organisation)
            take = min(count - len(entries), status_list.size - status_list.allocated)
            start = status_list.allocated
            entries.extend(StatusEntry(status_list.pk, status_list.index_of(k)) for k in range(start, start + take))
            StatusList.objects.filter(pk=status_list.pk).update(allocated=start + take)
    return entries


def status_set(*, status_list_id: int, index: int, revoked: bool = True) -> None:
    """Set (or clear) one entry's bit, inside the caller's transaction, and drop the cached signed list."""
    with transaction.atomic():
        status_list = StatusList.objects.select_for_update().get(pk=status_list_id)
        if not 0 <= index < status_list.size:
            raise CredentialsError(_("This status entry is outside its list."))
        data = bytearray(bytes(status_list.bits))
        mask = 0x80 >> (index % 8)
        if revoked:
            data[index // 8] |= mask
        else:
            data[index // 8] &= ~mask & 0xFF
        status_list.bits = bytes(data)
        status_list.signed = ""
        status_list.changed_at = timezone.now()
        status_list.save(update_fields=["bits", "signed", "changed_at"])


def status_entry_document(*, slug: str, list_public_id: str, index: int) -> dict:
    """The `credentialStatus` of a credential holding entry `index` of a list."""
    url = did.status_list_url(slug, list_public_id)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def encode_bits(bits: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode("ascii").rstrip("=")


def decode_bits(encoded: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList is not base64url multibase")
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError("encodedList is too large")
    return data


def status_list_document(status_list: StatusList) -> dict:
    slug = status_list.organisation.slug
    url = did.status_list_url(slug, status_list.public_id)
    return {
        "@context": [ld.VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did.did_for(slug),
        "validFrom": status_list.changed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_bits(bytes(status_list.bits)),
        },
    }


def status_list_credential(*, status_list: StatusList) -> str:
    """The signed status list credential as served: signed once after each change, then reused."""
    if status_list.signed:
        return status_list.signed
    signed = dumps(credential_sign(organisation=status_list.organisation, document=status_list_document(status_list)))
    # Keep it only if no bit changed while signing (the change cleared `signed` and moved `changed_at`).
    StatusList.objects.filter(pk=status_list.pk, changed_at=status_list.changed_at, signed="").update(signed=signed)
    return signed
