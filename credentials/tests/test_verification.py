import copy
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfWriter

from credentials import services
from credentials.verification import verify_credential


def results(report):
    return {check.key: check.ok for check in report.checks}


def test_a_fresh_credential_passes_every_check(signed_credential):
    signed, _entry = signed_credential()
    report = verify_credential(signed)
    assert results(report) == {"format": True, "issuer": True, "signature": True, "dates": True, "status": True}
    assert report.ok and report.name == "Forest first aid"


def test_a_revoked_credential_fails_only_the_status_check(signed_credential):
    signed, entry = signed_credential()
    services.status_set(status_list_id=entry.status_list_id, index=entry.index)
    report = verify_credential(signed)
    assert results(report) == {"format": True, "issuer": True, "signature": True, "dates": True, "status": False}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Brain surgery"),
        lambda d: d.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
        lambda d: d["credentialStatus"].__setitem__("statusListIndex", "7"),
    ],
    ids=["a changed name", "a changed date", "another status entry"],
)
def test_a_changed_credential_fails_the_signature_check(signed_credential, tamper):
    signed, _entry = signed_credential()
    tamper(signed)
    assert results(verify_credential(signed))["signature"] is False


def test_a_proof_from_another_organisations_key_fails(signed_credential, other_org):
    signed, _entry = signed_credential()
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    forged = services.credential_sign(organisation=other_org, document=unsigned)
    report = verify_credential(forged)
    assert results(report)["signature"] is False
    assert "does not belong to the issuer" in report.checks[2].detail


def test_a_proof_made_with_a_key_that_was_never_published_fails(signed_credential, org):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from credentials import crypto, did, proofs

    signed, _entry = signed_credential()
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    rogue = Ed25519PrivateKey.generate()
    forged = proofs.sign(
        unsigned,
        private_key=rogue,
        verification_method=did.key_id(org.slug, crypto.public_key_multibase(rogue.public_key())),
        created=datetime.now(UTC),
    )
    report = verify_credential(forged)
    assert results(report)["signature"] is False


def test_a_credential_signed_before_a_key_rotation_still_verifies(signed_credential, org):
    signed, _entry = signed_credential()
    services.signing_key_rotate(organisation=org)
    assert verify_credential(signed).ok


def test_expired_and_not_yet_valid_credentials_fail_the_dates_check(signed_credential):
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    expired, _ = signed_credential(validUntil=past)
    assert results(verify_credential(expired)) | {} == {
        "format": True,
        "issuer": True,
        "signature": True,
        "dates": False,
        "status": True,
    }
    early, _ = signed_credential(validFrom=future)
    assert results(verify_credential(early))["dates"] is False


def test_a_credential_of_another_site_is_not_resolved_over_the_network(signed_credential):
    signed, _ = signed_credential()
    signed["issuer"]["id"] = "did:web:elsewhere.example:o:acme"
    report = verify_credential(signed)
    assert results(report)["issuer"] is False and results(report)["signature"] is False


def test_something_that_is_not_a_credential_says_so(db):
    report = verify_credential({"hello": "world"})
    assert not report.ok and report.checks[0].key == "format"


# --- the page ---------------------------------------------------------------------------------


def test_the_verification_page_is_public(client, db):
    response = client.get("/credentials/verify/")
    assert response.status_code == 200
    assert b"Verify a credential" in response.content


def test_an_uploaded_credential_shows_every_check_passing(client, signed_credential):
    signed, _ = signed_credential()
    upload = SimpleUploadedFile("badge.json", json.dumps(signed).encode(), content_type="application/json")
    response = client.post("/credentials/verify/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Every check passed." in page
    assert page.count('data-ok="true"') == 5


def test_a_pasted_credential_is_checked_and_a_tampered_one_fails(client, signed_credential):
    signed, _ = signed_credential()
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "<b>Brain surgery</b>"
    response = client.post("/credentials/verify/", {"text": json.dumps(tampered)})
    page = response.content.decode()
    assert "This credential does not verify." in page
    assert 'data-check="signature" data-ok="false"' in page
    assert "&lt;b&gt;Brain surgery&lt;/b&gt;" in page and "<b>Brain surgery</b>" not in page


def test_a_pdf_with_the_credential_attached_is_checked(client, signed_credential):
    signed, _ = signed_credential()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment("credential.json", json.dumps(signed).encode())
    buffer = io.BytesIO()
    writer.write(buffer)
    upload = SimpleUploadedFile("certificate.pdf", buffer.getvalue(), content_type="application/pdf")
    response = client.post("/credentials/verify/", {"file": upload})
    assert "Every check passed." in response.content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": "not json at all"}, "This is not JSON"),
        ({"text": "[1, 2]"}, "A credential is a JSON object."),
        ({}, "Upload a credential or a certificate PDF, or paste the credential."),
        ({"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7\n garbage")}, "cannot be read"),
    ],
    ids=["not json", "not an object", "nothing", "broken pdf"],
)
def test_bad_input_gets_a_clear_message(client, db, data, message):
    response = client.post("/credentials/verify/", data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_pdf_without_a_credential_says_so(client, db):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    response = client.post("/credentials/verify/", {"file": SimpleUploadedFile("x.pdf", buffer.getvalue())})
    assert "This PDF carries no credential." in response.content.decode()


def test_an_oversize_upload_is_refused(client, db, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    response = client.post("/credentials/verify/", {"file": SimpleUploadedFile("big.json", b" " * 2000)})
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_checks_are_rate_limited_per_client(client, db, monkeypatch):
    from credentials import views

    monkeypatch.setattr(views, "VERIFY_LIMIT", 2)
    for _ in range(2):
        assert client.post("/credentials/verify/", {"text": "{}"}).status_code == 200
    assert client.post("/credentials/verify/", {"text": "{}"}).status_code == 429


def test_the_verification_page_refuses_other_methods(client, db):
    assert client.put("/credentials/verify/").status_code == 405


# --- the command ------------------------------------------------------------------------------


def test_the_command_passes_a_good_credential(tmp_path, signed_credential):
    signed, _ = signed_credential()
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(signed))
    out = io.StringIO()
    call_command("verify_credential", str(path), stdout=out)
    assert "PASS  Signature" in out.getvalue() and "The credential verifies." in out.getvalue()


def test_the_command_fails_a_revoked_credential(tmp_path, signed_credential):
    signed, entry = signed_credential()
    services.status_set(status_list_id=entry.status_list_id, index=entry.index)
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(signed))
    out = io.StringIO()
    with pytest.raises(CommandError, match="does not verify"):
        call_command("verify_credential", str(path), stdout=out)
    assert "FAIL  Status: Revoked by the issuer." in out.getvalue()


def test_the_command_names_an_unreadable_file(tmp_path, db):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("verify_credential", str(tmp_path / "missing.json"))


def test_a_property_the_contexts_do_not_define_is_refused_even_though_the_signature_matches(signed_credential):
    signed, _ = signed_credential()
    signed["credentialSubject"]["achievement"]["bonusPoints"] = 1000
    report = verify_credential(signed)
    assert results(report)["signature"] is False
    assert "/credentialSubject/achievement/bonusPoints" in report.checks[2].detail


@pytest.mark.parametrize(
    "criteria, message",
    [
        ('{"narrative": ' * 30 + "{}" + "}" * 30, "nested too deeply"),
        ('{"narrative": ' * 3000 + "{}" + "}" * 3000, "This is not JSON"),
        ("[" + ",".join(['{"narrative": "x"}'] * 400) + "]", "too many parts"),
    ],
    ids=["deep", "deeper than the parser goes", "too many objects"],
)
def test_a_credential_built_to_be_slow_is_refused_before_it_is_processed(client, signed_credential, criteria, message):
    signed, _ = signed_credential()
    signed["credentialSubject"]["achievement"]["criteria"] = "HERE"
    text = json.dumps(signed).replace('"HERE"', criteria)
    response = client.post("/credentials/verify/", {"text": text})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_property_in_the_proof_is_refused(signed_credential):
    signed, _ = signed_credential()
    signed["proof"][0]["note"] = "trust me"
    report = verify_credential(signed)
    assert results(report)["signature"] is False and "/proof/note" in report.checks[2].detail
