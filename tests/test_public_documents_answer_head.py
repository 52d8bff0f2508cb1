"""Every public document a verifier, wallet or link checker fetches answers HEAD as it answers GET.

Link checkers and some verifiers ask HEAD first; the Open Badges 2.0 documents and the pages always
answered it, while the signed credentials, their QR codes and the DID document answered 405.
"""

import pytest
from django.core.management import call_command

from badges.models import Assertion
from certificates.models import Certificate
from credentials.models import StatusList


@pytest.fixture
def public_urls(db):
    call_command("demo_data", verbosity=0)
    assertion = Assertion.objects.filter(revoked_at__isnull=True).first()
    certificate = Certificate.objects.filter(status=Certificate.Status.VALID).first()
    status_list = StatusList.objects.select_related("organisation").first()
    slug = certificate.individual.project.organisation.slug
    return [
        f"/o/{slug}/did.json",
        f"/o/{slug}/credentials/status/{status_list.public_id}",
        f"/ob/assertions/{assertion.public_id}",
        f"/ob/assertions/{assertion.public_id}/credential",
        f"/ob/assertions/{assertion.public_id}/qr.png",
        f"/verify/{certificate.code}/",
        f"/verify/{certificate.code}/credential",
        f"/verify/{certificate.code}/qr.png",
    ]


def test_each_public_document_answers_head_like_get_without_a_body(client, public_urls):
    for url in public_urls:
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code == 200, url
        assert head["Content-Type"] == got["Content-Type"], url
        assert head.content == b"", url


def test_the_signed_documents_and_qr_codes_still_refuse_a_post(client, public_urls):
    for url in public_urls:
        if url.endswith(("credential", "qr.png", "did.json")) or "/status/" in url:
            assert client.post(url).status_code == 405, url
