"""Every assertion as an Open Badges 3.0 OpenBadgeCredential, signed by the organisation's did:web key."""

import copy
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from badges import services
from badges.models import Assertion
from badges.tests.conftest import publish_activity
from credentials import did
from credentials.models import StatusList
from credentials.services import signing_key_rotate
from credentials.testing import issuer_documents, node_verify, schema_errors
from credentials.verification import verify_credential


def issue(badge, organiser, emails="ana@example.test", **kwargs):
    services.badge_issue_to_emails(badge=badge, text=emails, issued_by=organiser, **kwargs)
    return Assertion.objects.filter(badge=badge).order_by("id").last()


def fetch(client, assertion):
    response = client.get(f"/ob/assertions/{assertion.public_id}/credential")
    assert response.status_code == 200, response.content
    return response, json.loads(response.content)


def checks(document):
    return {check.key: check.ok for check in verify_credential(document).checks}


def test_an_issued_badge_has_a_signed_open_badges_3_credential(client, badge, organiser, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    assertion = issue(badge, organiser)
    response, credential = fetch(client, assertion)
    assert response["Content-Type"] == "application/vc+ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"] == "did:web:127.0.0.1%3A8000:o:acme"
    assert credential["issuer"]["name"] == "Acme Learning"
    subject = credential["credentialSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": assertion.identity,
            "identityType": "emailAddress",
            "salt": assertion.salt,
        }
    ]
    assert subject["achievement"]["name"] == "Forest first aid"
    assert subject["achievement"]["criteria"]["narrative"] == "Take part all day."
    assert subject["achievement"]["image"]["id"].endswith(f"/ob/badges/{badge.public_id}/image")
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListIndex"] == str(assertion.status_index)
    assert status["statusListCredential"].startswith("http://127.0.0.1:8000/o/acme/credentials/status/")
    [proof] = credential["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"].startswith("did:web:127.0.0.1%3A8000:o:acme#z6Mk")
    assert "@" not in json.dumps(subject) or "example.test" not in json.dumps(credential)


def test_the_credential_passes_every_check_and_the_ob3_schema(client, badge, organiser):
    _, credential = fetch(client, issue(badge, organiser))
    assert all(checks(credential).values()), checks(credential)
    assert schema_errors(credential) == []


def test_the_expiry_becomes_valid_until(client, badge, organiser):
    expires = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    _, credential = fetch(client, issue(badge, organiser, expires=expires))
    assert credential["validUntil"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert schema_errors(credential) == [] and all(checks(credential).values())


def test_the_credential_is_signed_once_and_then_served_as_stored(client, badge, organiser):
    assertion = issue(badge, organiser)
    first, _ = fetch(client, assertion)
    assertion.refresh_from_db()
    assert assertion.credential == first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        second, _ = fetch(client, assertion)
    assert second.content == first.content
    # the assertion with its badge, organisation and status list
    assert len(queries) == 1


def test_revoking_flips_the_status_bit_in_the_same_transaction(client, badge, organiser):
    assertion = issue(badge, organiser)
    _, credential = fetch(client, assertion)
    services.assertion_revoke(assertion=assertion, reason="Issued by mistake", user=organiser)
    assert checks(credential)["status"] is False
    assert client.get(f"/ob/assertions/{assertion.public_id}.json").status_code == 410
    # The credential is still served: its status is what says it is revoked.
    _, again = fetch(client, assertion)
    assert checks(again)["status"] is False and checks(again)["signature"] is True


def test_a_revocation_that_fails_leaves_the_status_bit_alone(client, badge, organiser):
    assertion = issue(badge, organiser)
    _, credential = fetch(client, assertion)
    with pytest.raises(services.BadgesError):
        services.assertion_revoke(assertion=assertion, reason="  ", user=organiser)
    assert checks(credential)["status"] is True


def test_an_assertion_issued_before_credentials_existed_gets_its_entry_on_first_request(client, badge, organiser):
    assertion = issue(badge, organiser)
    services.assertion_revoke(assertion=assertion, reason="Issued by mistake", user=organiser)
    Assertion.objects.filter(pk=assertion.pk).update(status_list=None, status_index=None)
    _, credential = fetch(client, assertion)
    assert checks(credential)["signature"] is True and checks(credential)["status"] is False


def test_evidence_is_in_the_credential_only_while_the_holder_shows_it(client, badge, organiser, learner):
    assertion, _ = services.issuing.assertion_issue(
        badge=badge,
        user=learner,
        source=Assertion.Source.QUEST,
        evidence=[{"name": "Write what you did", "narrative": "I built a shelter.", "url": "https://example.org/x"}],
    )
    _, credential = fetch(client, assertion)
    assert credential["evidence"] == [
        {
            "type": ["Evidence"],
            "name": "Write what you did",
            "id": "https://example.org/x",
            "narrative": "I built a shelter.",
        }
    ]
    services.assertion_set_evidence_visibility(assertion=assertion, user=learner, show=False)
    _, hidden = fetch(client, assertion)
    assert "evidence" not in hidden and all(checks(hidden).values())


def test_editing_the_badge_signs_the_credential_again_and_the_old_one_still_verifies(client, badge, organiser):
    assertion = issue(badge, organiser)
    _, old = fetch(client, assertion)
    services.badge_update(badge=badge, user=organiser, name="Forest first aid (2026)", description="New", criteria="x")
    _, new = fetch(client, assertion)
    assert new["credentialSubject"]["achievement"]["name"] == "Forest first aid (2026)"
    assert all(checks(old).values()) and all(checks(new).values())


def test_a_credential_signed_before_a_key_rotation_still_verifies(client, badge, organiser, org):
    _, credential = fetch(client, issue(badge, organiser))
    signing_key_rotate(organisation=org)
    assert all(checks(credential).values())


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Brain surgery"),
        lambda d: d.__setitem__("validFrom", "2001-01-01T00:00:00Z"),
        lambda d: d["credentialSubject"]["identifier"][0].__setitem__("salt", "0" * 32),
    ],
    ids=["a changed name", "a changed date", "another recipient"],
)
def test_a_tampered_credential_fails_the_signature_check(client, badge, organiser, tamper):
    _, credential = fetch(client, issue(badge, organiser))
    tamper(credential)
    assert checks(credential)["signature"] is False


def test_bulk_issue_gives_every_assertion_its_own_entry(badge, organiser):
    services.badge_issue_to_emails(
        badge=badge, text="\n".join(f"p{i}@example.test" for i in range(50)), issued_by=organiser
    )
    entries = set(Assertion.objects.filter(badge=badge).values_list("status_list_id", "status_index"))
    assert len(entries) == 50 and None not in {index for _, index in entries}
    assert StatusList.objects.get().allocated == 50


def test_bulk_issue_queries_do_not_grow_with_the_number_of_addresses(badge, organiser):
    def count(n, start):
        text = "\n".join(f"q{start + i}@example.test" for i in range(n))
        with CaptureQueriesContext(connection) as queries:
            services.badge_issue_to_emails(badge=badge, text=text, issued_by=organiser)
        return len(queries)

    count(1, 500)  # the organisation's first status list is created once
    assert count(5, 0) == count(40, 100)


def test_the_open_badges_2_issuer_links_to_the_did(client, org):
    issuer = client.get(f"/ob/issuers/{org.slug}.json").json()
    assert issuer["related"] == [f"http://testserver/o/{org.slug}/did.json"]
    assert client.get(issuer["related"][0]).json()["id"] == did.did_for(org.slug)


def test_an_unknown_assertion_has_no_credential(client, db):
    assert client.get("/ob/assertions/nope/credential").status_code == 404


def test_the_credential_is_read_only(client, badge, organiser):
    assertion = issue(badge, organiser)
    assert client.post(f"/ob/assertions/{assertion.public_id}/credential").status_code == 405


def test_the_download_form_names_the_file(client, badge, organiser):
    assertion = issue(badge, organiser)
    response = client.get(f"/ob/assertions/{assertion.public_id}/credential?download=1")
    assert response["Content-Disposition"] == f'attachment; filename="forest-first-aid-{assertion.public_id}.json"'


def test_the_independent_verifier_accepts_ours_and_refuses_tampered_ones(client, org, other_org, organiser):
    badge = publish_activity(org, organiser).badge
    assertion = issue(badge, organiser)
    _, good = fetch(client, assertion)
    renamed = copy.deepcopy(good)
    renamed["credentialSubject"]["achievement"]["name"] = "Brain surgery"
    redated = copy.deepcopy(good)
    redated["validFrom"] = "2001-01-01T00:00:00Z"
    from credentials.services import credential_sign

    other_key = credential_sign(organisation=other_org, document={k: v for k, v in good.items() if k != "proof"})
    revoked_assertion = issue(badge, organiser, emails="bo@example.test")
    _, revoked = fetch(client, revoked_assertion)
    services.assertion_revoke(assertion=revoked_assertion, reason="Mistake", user=organiser)

    unsigned_extra = copy.deepcopy(good)
    unsigned_extra["credentialSubject"]["achievement"]["bonusPoints"] = 1000

    documents = {**issuer_documents(org), **issuer_documents(other_org)}
    results = node_verify([good, renamed, redated, other_key, revoked, unsigned_extra], documents)
    assert [r["verified"] for r in results] == [True, False, False, False, False, False], results
    assert results[4]["error"] == "revoked"
    assert not any(checks(document)["signature"] for document in [renamed, redated, other_key, unsigned_extra])


def test_the_achievement_carries_the_badges_alignment_and_tags(client, badge, organiser):
    services.badge_update(
        badge=badge,
        user=organiser,
        name=badge.name,
        description=badge.description,
        criteria=badge.criteria,
        alignment=[{"targetName": "First aid", "targetUrl": "https://example.org/esco/first-aid", "targetCode": "FA1"}],
        tags=["outdoors", "safety"],
    )
    _, credential = fetch(client, issue(badge, organiser))
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "First aid",
            "targetUrl": "https://example.org/esco/first-aid",
            "targetCode": "FA1",
        }
    ]
    assert achievement["tag"] == ["outdoors", "safety"]
    assert schema_errors(credential) == [] and all(checks(credential).values())


def test_the_qr_code_opens_the_badges_public_page(client, badge, organiser):
    from unittest import mock

    import segno

    assertion = issue(badge, organiser)
    with mock.patch("credentials.views.segno.make", wraps=segno.make) as make:
        response = client.get(f"/ob/assertions/{assertion.public_id}/qr.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert make.call_args.args[0] == f"http://testserver/ob/assertions/{assertion.public_id}"
    assert client.get("/ob/assertions/nope/qr.png").status_code == 404


def test_the_learner_downloads_the_credential_and_qr_from_my_learning_and_the_share_page(login, badge, learner):
    assertion, _ = services.issuing.assertion_issue(badge=badge, user=learner, source=Assertion.Source.LINK)
    client = login(learner)
    me = client.get("/me/").content.decode()
    assert f"/ob/assertions/{assertion.public_id}/credential?download=1" in me
    assert f"/ob/assertions/{assertion.public_id}/qr.png" in me
    share = client.get(f"/ob/assertions/{assertion.public_id}").content.decode()
    assert f"/ob/assertions/{assertion.public_id}/credential?download=1" in share
    assert f"/ob/assertions/{assertion.public_id}/qr.png" in share
