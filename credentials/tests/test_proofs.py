"""The eddsa-rdfc-2022 implementation against 1EdTech's signed test vector (a known answer)."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld.jsonld import JsonLdError

from credentials import crypto, ld, proofs

# CI lays the shared folder beside the checkout.
ORACLE = Path(__file__).resolve().parents[2].parent / "shared" / "vc-oracle"
VECTOR_COPY = Path(__file__).resolve().parent / "data" / "1edtech-ob3-eddsa-rdfc-2022-testvector.json"


def vector():
    return json.loads(VECTOR_COPY.read_text())


def key_from_method(method: str):
    return crypto.public_key_from_multibase(method.split("#", 1)[1])


def test_the_1edtech_test_vector_verifies():
    proofs.verify(vector(), public_key_for=key_from_method)


def test_the_kept_copy_of_the_test_vector_is_1edtechs():
    original = ORACLE / "testvectors" / "1edtech-ob3-eddsa-rdfc-2022-testvector.json"
    if not original.exists():
        pytest.skip("the shared vc-oracle folder is not beside the project")
    assert json.loads(original.read_text()) == vector()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Teamwork!"),
        lambda d: d.__setitem__("validFrom", "2010-01-02T00:00:00Z"),
        lambda d: d["issuer"].__setitem__("name", "Another Corp"),
        lambda d: d["proof"].__setitem__("created", "2011-01-01T19:23:24Z"),
    ],
    ids=["achievement name", "validFrom", "issuer name", "proof created"],
)
def test_a_changed_test_vector_does_not_verify(tamper):
    document = copy.deepcopy(vector())
    tamper(document)
    with pytest.raises(proofs.ProofError, match="does not match"):
        proofs.verify(document, public_key_for=key_from_method)


def test_the_canonical_form_of_the_test_vector_is_the_expected_n_quads():
    document = vector()
    document.pop("proof")
    nquads = ld.canonize(document)
    assert nquads.count("\n") == 16
    assert '<http://example.com/credentials/3527> <https://schema.org/name> "Teamwork Badge" .\n' in nquads
    assert "_:c14n0 <https://purl.imsglobal.org/spec/vc/ob/vocab.html#narrative>" in nquads


def test_a_signed_document_verifies_and_names_its_key():
    key = Ed25519PrivateKey.generate()
    method = "did:web:example.org:o:acme#" + crypto.public_key_multibase(key.public_key())
    document = copy.deepcopy(vector())
    document.pop("proof")
    signed = proofs.sign(
        document, private_key=key, verification_method=method, created=datetime(2026, 1, 2, tzinfo=UTC)
    )
    assert isinstance(signed["proof"], list)
    assert signed["proof"][0]["created"] == "2026-01-02T00:00:00Z"
    assert proofs.verify(signed, public_key_for=key_from_method).verification_method == method


def test_a_proof_from_another_key_does_not_verify():
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    method = "did:web:example.org:o:acme#" + crypto.public_key_multibase(key.public_key())
    document = copy.deepcopy(vector())
    document.pop("proof")
    signed = proofs.sign(document, private_key=other, verification_method=method, created=datetime.now(UTC))
    with pytest.raises(proofs.ProofError, match="does not match"):
        proofs.verify(signed, public_key_for=key_from_method)


def test_control_characters_in_text_are_escaped_as_rdfc_says():
    document = {"@context": [ld.VC_V2], "id": "urn:x:1", "name": 'tab\there\x0bvt\x08bs\x0cff\x7fdel "q" \\'}
    line = ld.canonize(document).strip()
    assert line == '<urn:x:1> <https://schema.org/name> "tab\\there\\u000Bvt\\bbs\\fff\\u007Fdel \\"q\\" \\\\" .'


def test_a_context_that_is_not_kept_locally_is_refused_without_fetching():
    document = {"@context": ["https://example.org/unknown-context.json"], "name": "x"}
    with pytest.raises(JsonLdError):
        ld.canonize(document)
    with pytest.raises(ld.DocumentNotLocal):
        ld.document_loader("https://example.org/unknown-context.json")


def test_the_cached_context_processing_gives_what_plain_pyld_gives(sample_credential):
    """The two caches in ld.py must change nothing: compare with PyLD's own canonicalisation, twice over."""
    from pyld import jsonld

    document, _ = sample_credential()
    document["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": "First aid", "targetUrl": "https://example.org/fa"}
    ]
    document["evidence"] = [{"type": ["Evidence"], "name": "Shelter", "narrative": "I built one."}]
    plain = jsonld.normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": ld.document_loader},
    )
    assert ld.canonize(document) == plain
    assert ld.canonize(document) == plain
    known = vector()
    known.pop("proof")
    assert ld.canonize(known) == jsonld.normalize(
        known, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": ld.document_loader}
    )
