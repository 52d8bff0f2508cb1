"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite: pure functions, no database.

Signing: the proof options (without `proofValue`, with the document's `@context`) and the
document (without `proof`) are canonicalised with RDFC-1.0; the Ed25519 signature covers
sha256(canonical proof options) + sha256(canonical document); `proofValue` is that signature
in base58btc multibase.
"""

import copy
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld.jsonld import JsonLdError

from credentials import crypto, ld

CRYPTOSUITE = "eddsa-rdfc-2022"
# What a Data Integrity proof may say (the credentials v2 context defines these inside `proof`).
PROOF_TERMS = {
    "id",
    "type",
    "created",
    "expires",
    "verificationMethod",
    "cryptosuite",
    "proofPurpose",
    "proofValue",
    "challenge",
    "domain",
    "nonce",
    "previousProof",
}


class ProofError(ValueError):
    """Why a proof does not verify, in words for the verification page."""


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _hash_data(unsecured: dict, proof_options: dict) -> bytes:
    options = {**proof_options, "@context": unsecured["@context"]}
    options.pop("proofValue", None)
    return (
        hashlib.sha256(ld.canonize(options).encode("utf-8")).digest()
        + hashlib.sha256(ld.canonize(unsecured).encode("utf-8")).digest()
    )


def sign(
    document: dict,
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
) -> dict:
    """The document with a DataIntegrityProof added (as a one-element array, as OB 3.0's schema wants)."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof = {
        "type": "DataIntegrityProof",
        "created": _timestamp(created),
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": proof_purpose,
    }
    signature = private_key.sign(_hash_data(unsecured, proof))
    proof["proofValue"] = "z" + crypto.b58encode(signature)
    return {**unsecured, "proof": [proof]}


@dataclass
class VerifiedProof:
    verification_method: str
    created: str
    proof_purpose: str


def proofs_of(document: dict) -> list[dict]:
    proof = document.get("proof")
    if isinstance(proof, dict):
        return [proof]
    if isinstance(proof, list) and all(isinstance(p, dict) for p in proof):
        return proof
    raise ProofError("The credential carries no proof.")


def verify(document: dict, *, public_key_for) -> VerifiedProof:
    """Check the document's single eddsa-rdfc-2022 proof.

    `public_key_for(verification_method_id)` returns the Ed25519 public key the proof names, or
    raises ProofError when that key is unknown or not allowed to sign for the issuer.
    """
    proofs = proofs_of(document)
    if len(proofs) != 1:
        raise ProofError("Expected exactly one proof.")
    proof = copy.deepcopy(proofs[0])
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"Unsupported proof: only DataIntegrityProof with {CRYPTOSUITE}.")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("The proof's purpose is not assertionMethod.")
    if "@context" in proof and proof["@context"] != document.get("@context"):
        raise ProofError("The proof's @context differs from the credential's.")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise ProofError("The proof names no verification method.")
    public_key: Ed25519PublicKey = public_key_for(method)
    try:
        signature = crypto.multibase_decode(proof.get("proofValue", ""))
    except crypto.MultibaseError as exc:
        raise ProofError(f"The proof value is malformed: {exc}.") from None
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof.pop("@context", None)
    try:
        data = _hash_data(unsecured, proof)
        undefined = ld.undefined_terms(unsecured) + [f"/proof/{key}" for key in proof if key not in PROOF_TERMS]
    except (JsonLdError, ld.DocumentNotLocal, TypeError, ValueError, KeyError, RecursionError) as exc:
        raise ProofError(f"The credential is not valid JSON-LD here: {str(exc)[:200]}") from None
    if undefined:
        raise ProofError(
            "The credential has properties its contexts do not define, which no signature covers: "
            + ", ".join(undefined[:5])
        )
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise ProofError("The signature does not match: the credential was changed or signed by another key.") from None
    return VerifiedProof(verification_method=method, created=proof.get("created", ""), proof_purpose="assertionMethod")
