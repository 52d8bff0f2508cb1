"""Organisation signing keys and Bitstring status lists.

A key's private half is stored only encrypted (credentials/crypto.py); a retired key stays
listed in the organisation's DID document so credentials it signed keep verifying.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation

# The Bitstring Status List spec asks for at least 131,072 entries, so one index says little
# about who holds it (herd privacy).
STATUS_LIST_SIZE = 131_072


def new_list_id() -> str:
    return secrets.token_urlsafe(9)


def new_multiplier() -> int:
    # Odd numbers are coprime with a power of two: index k maps to (a·k + b) mod size one to one,
    # so entries are spread over the list instead of revealing the order of issue.
    return secrets.randbelow(STATUS_LIST_SIZE // 2) * 2 + 1


def empty_bits() -> bytes:
    return bytes(STATUS_LIST_SIZE // 8)


def new_offset() -> int:
    return secrets.randbelow(STATUS_LIST_SIZE)


class SigningKey(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="signing_keys")
    # "z6Mk…": the Ed25519 public key as a Multikey; also the key's fragment in the DID document.
    public_key_multibase = models.CharField(max_length=64, unique=True)
    private_key_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-created_at", "-id"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(retired_at__isnull=True), name="credentials_one_active_key"
            )
        ]

    def __str__(self):
        return f"{self.organisation}: {self.public_key_multibase[:16]}…"

    @property
    def is_active(self) -> bool:
        return self.retired_at is None


class StatusList(models.Model):
    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("Revocation")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="status_lists")
    public_id = models.CharField(max_length=32, unique=True, default=new_list_id, editable=False)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.REVOCATION)
    size = models.PositiveIntegerField(default=STATUS_LIST_SIZE)
    # How many entries are given out; entry k sits at bit (multiplier·k + offset) mod size.
    allocated = models.PositiveIntegerField(default=0)
    multiplier = models.PositiveIntegerField(default=new_multiplier)
    offset = models.PositiveIntegerField(default=new_offset)
    # One bit per entry, most significant bit first (bit 0 is the first byte's highest bit).
    bits = models.BinaryField(default=empty_bits)
    # The signed status list credential as served, made on the first request after a change.
    signed = models.TextField(blank=True, editable=False)
    changed_at = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "created_at", "id"]
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self):
        return f"{self.organisation}: {self.purpose} list {self.public_id}"

    @property
    def is_full(self) -> bool:
        return self.allocated >= self.size

    def index_of(self, entry: int) -> int:
        return (self.multiplier * entry + self.offset) % self.size

    def bit(self, index: int) -> bool:
        data = bytes(self.bits)
        return bool(data[index // 8] & (0x80 >> (index % 8)))
