"""Every accepted certificate as an Open Badges 3.0 AchievementCredential, also attached to its PDF/A-3b."""

import copy
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from certificates import services
from certificates.models import Certificate
from certificates.tests.factories import SELF_ASSESSMENT, accepted, make_individual, make_project
from credentials.testing import issuer_documents, node_verify, schema_errors
from credentials.verification import credential_from_bytes, verify_credential


@pytest.fixture
def certificate(org, organiser, learner, django_capture_on_commit_callbacks):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_generate(individual=individual, generated_by=organiser)
    certificate.refresh_from_db()
    return certificate


def fetch(client, certificate):
    response = client.get(f"/verify/{certificate.code}/credential")
    assert response.status_code == 200, response.content
    return response, json.loads(response.content)


def checks(document):
    return {check.key: check.ok for check in verify_credential(document).checks}


def test_an_accepted_certificate_has_a_signed_achievement_credential(client, certificate, settings):
    response, credential = fetch(client, certificate)
    assert response["Content-Type"] == "application/vc+ld+json"
    assert credential["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert credential["issuer"]["id"] == "did:web:testserver:o:acme"
    subject = credential["credentialSubject"]
    assert subject["role"] == "Participant"
    assert subject["activityStartDate"] == "2026-05-01T00:00:00Z"
    assert subject["activityEndDate"] == "2026-05-10T00:00:00Z"
    assert subject["identifier"][0] == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "Lea Martin",
        "identityType": "name",
    }
    assert subject["identifier"][1]["identityHash"] == certificate.recipient_identity
    assert "learner@example.test" not in response.content.decode()
    achievement = subject["achievement"]
    assert achievement["name"] == "Bridges Youth Exchange"
    assert achievement["humanCode"] == certificate.code
    assert "Ljubljana" in achievement["description"] and "Acme Learning" in achievement["description"]
    [result] = subject["result"]
    assert result["value"] == SELF_ASSESSMENT
    assert result["resultDescription"] in {d["id"] for d in achievement["resultDescription"]}
    assert subject["narrative"].startswith("Ran the repair café")
    assert all(checks(credential).values()), checks(credential)
    assert schema_errors(credential) == []


def test_the_pdf_is_pdf_a_3b_and_carries_the_signed_credential(certificate):
    with certificate.pdf.open("rb") as handle:
        data = handle.read()
    reader = PdfReader(io.BytesIO(data))
    metadata = reader.xmp_metadata
    assert metadata is not None
    xmp = metadata.stream.get_data().decode("utf-8", "replace")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert list(reader.attachments) == ["credential.json"]
    attached = json.loads(reader.attachments["credential.json"][0])
    assert attached == json.loads(certificate.credential)
    assert all(checks(credential_from_bytes(data)).values())


def test_the_credential_is_signed_once_and_then_served_as_stored(client, certificate):
    first, _ = fetch(client, certificate)
    with CaptureQueriesContext(connection) as queries:
        second, _ = fetch(client, certificate)
    assert second.content == first.content
    # the certificate with its individual, project, organisation and status list
    assert len(queries) == 1


def test_revoking_flips_the_status_and_every_surface_agrees(client, certificate, organiser):
    _, credential = fetch(client, certificate)
    with certificate.pdf.open("rb") as handle:
        pdf = handle.read()
    services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Wrong person")
    assert checks(credential)["status"] is False
    assert checks(credential_from_bytes(pdf))["status"] is False
    assert client.get(f"/verify/{certificate.code}/?format=json").json()["status"] == "revoked"
    _, again = fetch(client, certificate)
    assert checks(again)["status"] is False and checks(again)["signature"] is True


def test_a_superseded_certificate_keeps_a_valid_credential(client, certificate, organiser):
    _, credential = fetch(client, certificate)
    services.certificate_generate(individual=certificate.individual, generated_by=organiser)
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.SUPERSEDED
    assert all(checks(credential).values())


def test_a_certificate_generated_before_credentials_existed_gets_its_entry_on_first_request(
    client, certificate, organiser
):
    Certificate.objects.filter(pk=certificate.pk).update(status_list=None, status_index=None, credential="")
    services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Wrong person")
    _, credential = fetch(client, certificate)
    assert checks(credential)["signature"] is True and checks(credential)["status"] is False


def test_the_certificate_pdf_passes_the_verification_page(client, certificate):
    with certificate.pdf.open("rb") as handle:
        upload = SimpleUploadedFile("certificate.pdf", handle.read(), content_type="application/pdf")
    page = client.post("/credentials/verify/", {"file": upload}).content.decode()
    assert "Every check passed." in page and page.count('data-ok="true"') == 5


def test_an_unknown_code_has_no_credential(client, db):
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD/credential").status_code == 404


def test_the_credential_is_read_only(client, certificate):
    assert client.post(f"/verify/{certificate.code}/credential").status_code == 405


def test_the_download_form_names_the_file(client, certificate):
    response = client.get(f"/verify/{certificate.code}/credential?download=1")
    assert response["Content-Disposition"] == f'attachment; filename="Lea-Martin-{certificate.code}.json"'


def test_the_independent_verifier_accepts_the_certificate_and_refuses_tampered_ones(
    client, certificate, org, organiser
):
    _, good = fetch(client, certificate)
    renamed = copy.deepcopy(good)
    renamed["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    redated = copy.deepcopy(good)
    redated["credentialSubject"]["activityEndDate"] = "2027-05-10T00:00:00Z"
    results = node_verify([good, renamed, redated], issuer_documents(org))
    assert [r["verified"] for r in results] == [True, False, False], results
    services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Wrong person")
    [revoked] = node_verify([good], issuer_documents(org))
    assert revoked == {"verified": False, "error": "revoked"}


def test_the_qr_code_opens_the_verification_page(client, certificate):
    from unittest import mock

    import segno

    with mock.patch("credentials.views.segno.make", wraps=segno.make) as make:
        response = client.get(f"/verify/{certificate.code}/qr.png")
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
    assert make.call_args.args[0] == certificate.verify_url
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD/qr.png").status_code == 404


def test_the_learner_finds_the_credential_and_qr_under_my_learning(login, certificate, learner):
    page = login(learner).get("/me/").content.decode()
    assert f"/verify/{certificate.code}/credential?download=1" in page
    assert f"/verify/{certificate.code}/qr.png" in page


def test_the_verification_page_links_the_credential(client, certificate):
    page = client.get(f"/verify/{certificate.code}/").content.decode()
    assert f"/verify/{certificate.code}/credential" in page and "/credentials/verify/" in page
