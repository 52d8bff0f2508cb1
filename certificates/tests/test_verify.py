import pytest
from django.urls import reverse

from certificates import services
from certificates.tests.factories import accepted, make_individual, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    return services.certificates._generate(individual, organiser)


def verify(client, code, **extra):
    return client.get(reverse("certificates:verify", kwargs={"code": code}), **extra)


def test_anyone_can_verify_a_valid_certificate(client, certificate):
    response = verify(client, certificate.code)
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Valid.", "Lea Martin", "Bridges Youth Exchange", "Acme Learning", certificate.code):
        assert text in body


def test_a_code_typed_in_lower_case_without_dashes_is_found(client, certificate):
    response = verify(client, certificate.code.replace("-", "").lower())
    assert response.status_code == 200


def test_the_form_redirects_to_the_certificate(client, certificate):
    response = client.get(reverse("certificates:verify_form"), {"code": certificate.code.lower()})
    assert response["Location"] == reverse("certificates:verify", kwargs={"code": certificate.code})
    assert client.get(reverse("certificates:verify_form")).status_code == 200


def test_json_is_given_on_request(client, certificate):
    for kwargs in ({"data": {"format": "json"}}, {"HTTP_ACCEPT": "application/json"}):
        data = verify(client, certificate.code, **kwargs).json()
        assert data["status"] == "valid" and data["holder"] == "Lea Martin"
        assert data["organisation"] == "Acme Learning" and data["project"] == "Bridges Youth Exchange"
        assert "email" not in data and "birth_date" not in str(data)


def test_a_superseded_certificate_says_so(client, certificate, organiser):
    services.certificates._generate(certificate.individual, organiser)
    body = verify(client, certificate.code).content.decode()
    assert "Superseded." in body
    assert verify(client, certificate.code, data={"format": "json"}).json()["status"] == "superseded"


def test_a_revoked_certificate_says_so_with_the_reason(client, certificate, organiser):
    services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Issued to the wrong person")
    body = verify(client, certificate.code).content.decode()
    assert "Revoked." in body and "Issued to the wrong person" in body
    data = verify(client, certificate.code, data={"format": "json"}).json()
    assert data["status"] == "revoked" and data["revoked_reason"] == "Issued to the wrong person"


def test_a_wrong_code_is_plainly_not_found(client, db):
    response = verify(client, "AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 404 and "Not found." in response.content.decode()
    response = verify(client, "AAAA-BBBB-CCCC-DDDD", HTTP_ACCEPT="application/json")
    assert response.status_code == 404 and response.json() == {"error": "not found"}


def test_lookups_are_rate_limited_per_address(client, certificate):
    for _ in range(30):
        assert verify(client, "WRONG-CODE").status_code == 404
    assert verify(client, certificate.code).status_code == 429
    assert verify(client, certificate.code, data={"format": "json"}).status_code == 429
    # Another address is not affected.
    assert verify(client, certificate.code, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_behind_a_proxy_the_limit_counts_the_address_the_proxy_reports(client, settings, org, organiser, learner):
    from learnerpass.lib.http import client_ip

    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"

    class Request:
        META = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.7"}

    assert client_ip(Request) == "198.51.100.7"
    settings.CLIENT_IP_HEADER = ""
    assert client_ip(Request) == "10.0.0.1"


def test_the_verification_page_runs_one_query(client, certificate, django_assert_num_queries):
    # 1. the certificate by its code; everything shown comes from its frozen data
    with django_assert_num_queries(1):
        assert verify(client, certificate.code).status_code == 200
    with django_assert_num_queries(1):
        assert verify(client, certificate.code, HTTP_ACCEPT="application/json").json()["holder"] == "Lea Martin"
