"""Ed25519 keys as Multikey strings, base58btc, and the private key's encryption at rest.

Private keys are stored only encrypted with a key from the environment (CREDENTIALS_KEYS:
the first encrypts, every one listed decrypts, so the environment key can be rotated).
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(_ALPHABET)}
# Multicodec prefix of an Ed25519 public key (0xed, as an unsigned varint).
ED25519_PUB = b"\xed\x01"


class MultibaseError(ValueError):
    pass


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    number = 0
    for ch in text:
        if ch not in _INDEX:
            raise MultibaseError(f"not base58: {ch!r}")
        number = number * 58 + _INDEX[ch]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_decode(value: str) -> bytes:
    """Decode a base58btc (`z…`) multibase string."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 200:
        raise MultibaseError("only base58btc multibase values (starting with z) are supported")
    return b58decode(value[1:])


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_PUB + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    raw = multibase_decode(value)
    if len(raw) != 34 or not raw.startswith(ED25519_PUB):
        raise MultibaseError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def _fernet_for(secret: str) -> Fernet:
    # Any string of enough entropy works as CREDENTIALS_KEYS; Fernet wants 32 url-safe base64 bytes.
    digest = hashlib.sha256(b"learnerpass credentials v1\0" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@lru_cache(maxsize=4)
def _box(secrets: tuple[str, ...]) -> MultiFernet:
    if not secrets:
        raise ImproperlyConfigured("CREDENTIALS_KEYS is empty: set it to sign credentials (see .env.example).")
    return MultiFernet([_fernet_for(secret) for secret in secrets])


def _current_box() -> MultiFernet:
    return _box(tuple(settings.CREDENTIALS_KEYS))


def encrypt_private_key(key: Ed25519PrivateKey) -> str:
    return _current_box().encrypt(private_key_bytes(key)).decode("ascii")


def decrypt_private_key(token: str) -> Ed25519PrivateKey:
    try:
        raw = _current_box().decrypt(token.encode("ascii"))
    except InvalidToken:
        raise ImproperlyConfigured(
            "A signing key cannot be decrypted with CREDENTIALS_KEYS: was the environment key changed "
            "without keeping the old one listed?"
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def reencrypt(token: str) -> str:
    """The same private key encrypted with the first CREDENTIALS_KEYS entry (after rotating it)."""
    return _current_box().rotate(token.encode("ascii")).decode("ascii")
