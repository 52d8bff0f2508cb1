"""Files by kind on S3-compatible object storage (issue 9: more than one machine).

Runs against the S3 server at S3_TEST_ENDPOINT (`.ci/run` starts moto's server and sets it); without
it, an in-process moto server is started for the module. Public and private files are two prefixes
of one bucket, as `STORAGE_URL=s3://bucket/prefix` configures them.
"""

import io
import os
import secrets

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image

from badges.services.issuing import assertion_bake, assertion_issue, assertion_set_evidence_visibility
from badges.tests.conftest import publish_activity
from certificates import services as certificate_services
from certificates.tests.factories import accepted, make_individual, make_project
from learnerpass.env import s3_storage_options

CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    endpoint = os.environ.get("S3_TEST_ENDPOINT", "")
    if endpoint:
        yield endpoint
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI must start an S3 server and set S3_TEST_ENDPOINT (see .ci/run).")
    from moto.server import ThreadedMotoServer

    from outbox.testing import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint):
    """STORAGES pointed at a fresh bucket, as the settings build them from STORAGE_URL."""
    bucket = f"lp-test-{secrets.token_hex(6)}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    url = f"s3://{bucket}/site"
    storages_setting = {
        "public": s3_storage_options(url, "public", "learnerpass.lib.storage.S3PublicFiles"),
        "private": s3_storage_options(url, "private", "learnerpass.lib.storage.S3PrivateFiles"),
    }
    for entry in storages_setting.values():
        entry["OPTIONS"].update(CREDENTIALS, endpoint_url=s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, **storages_setting, "default": storages_setting["private"]}
    yield client, bucket
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


def keys(client, bucket) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def certificate(s3, org, organiser, learner, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("certificates.pdf.render_certificate_pdf", lambda c: b"%PDF-1.4 on s3 " + c.code.encode())
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        created = certificate_services.certificate_generate(individual=individual, generated_by=organiser)
    created.refresh_from_db()
    return created


def test_the_storage_url_gives_two_prefixes_of_one_bucket():
    public = s3_storage_options("s3://files/lp", "public", "x")
    private = s3_storage_options("s3://other", "", "y")

    assert public["OPTIONS"] == {"bucket_name": "files", "location": "lp/public"}
    assert private["OPTIONS"] == {"bucket_name": "other", "location": ""}


@pytest.mark.parametrize("url", ["files", "http://files", "s3://"])
def test_a_storage_url_that_is_not_s3_fails_loudly(url):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        s3_storage_options(url, "public", "x")


def test_a_certificate_pdf_goes_to_the_private_prefix_and_has_no_url(s3, certificate):
    client, bucket = s3

    assert f"site/private/{certificate.pdf.name}" in keys(client, bucket)
    with pytest.raises(ValueError):
        certificate.pdf.url  # noqa: B018


def test_the_learner_downloads_a_private_pdf_from_s3_and_others_get_404(login, certificate, learner, other_learner):
    url = reverse("certificates:learner_download", kwargs={"code": certificate.code})

    response = login(learner).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 on s3 " + certificate.code.encode()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert login(other_learner).get(url).status_code == 404


def test_objects_stay_private_in_the_bucket(s3, certificate, org):
    client, bucket = s3
    org.logo.save("logo.png", ContentFile(png()))

    for key in keys(client, bucket):
        grants = client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
        assert not [g for g in grants if g["Grantee"].get("URI", "").endswith("AllUsers")], key


def test_regenerating_deletes_the_superseded_pdf_from_the_bucket(
    s3, certificate, organiser, django_capture_on_commit_callbacks
):
    client, bucket = s3
    old_key = f"site/private/{certificate.pdf.name}"

    with django_capture_on_commit_callbacks(execute=True):
        certificate_services.certificate_generate(individual=certificate.individual, generated_by=organiser)

    assert old_key not in keys(client, bucket)


def test_a_logo_on_s3_is_served_by_the_site_with_sandboxing_headers(s3, client, org):
    bucket_client, bucket = s3
    org.logo.save("logo.png", ContentFile(png()))

    assert f"site/public/{org.logo.name}" in keys(bucket_client, bucket)
    response = client.get(org.logo.url)
    assert org.logo.url.startswith("/files/logos/")
    assert b"".join(response.streaming_content) == png()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert client.get("/files/logos/missing.png").status_code == 404


def test_a_baked_image_lives_in_the_bucket_and_hiding_evidence_deletes_it(
    s3, client, org, organiser, learner, django_capture_on_commit_callbacks
):
    bucket_client, bucket = s3
    badge = publish_activity(org, organiser).badge
    assertion, _ = assertion_issue(badge=badge, user=learner, source="email")

    assert assertion_bake(assertion_id=assertion.pk)  # the bake job's work
    response = client.get(reverse("badges:assertion_image", kwargs={"public_id": assertion.public_id}))
    assertion.refresh_from_db()
    key = f"site/public/{assertion.baked_image.name}"
    assert response.status_code == 200 and key in keys(bucket_client, bucket)

    with django_capture_on_commit_callbacks(execute=True):
        assertion_set_evidence_visibility(assertion=assertion, user=learner, show=False)

    assert key not in keys(bucket_client, bucket)


def test_the_public_file_view_never_reads_the_private_prefix(s3, client, certificate):
    assert client.get(reverse("public_file", kwargs={"name": certificate.pdf.name})).status_code == 404
    assert client.get(f"/files/../private/{certificate.pdf.name}").status_code in (400, 404)
    assert storages["private"].exists(certificate.pdf.name)
