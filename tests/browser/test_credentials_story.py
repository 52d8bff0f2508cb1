"""Open Badges 3.0 in a browser: a learner downloads a badge credential and a certificate PDF, anyone checks
them on the verification page, and after the organiser revokes them the status check fails."""

import re

import pytest
from playwright.sync_api import expect

from badges.models import Assertion
from badges.services.issuing import assertion_issue
from badges.tests.conftest import publish_activity
from certificates import services as certificates
from certificates.models import Certificate
from certificates.tests.factories import accepted, make_individual, make_project
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEARNER = "lea.martin@example.test"


def upload_and_check(page, live_url, path):
    page.goto(f"{live_url}/credentials/verify/")
    page.get_by_label("Credential file (.json) or certificate PDF").set_input_files(str(path))
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    return {
        item.get_attribute("data-check"): item.get_attribute("data-ok") == "true"
        for item in page.locator("[data-check]").all()
    }


def test_a_badge_credential_and_a_certificate_pdf_verify_until_they_are_revoked(page, live_url, tmp_path):
    org = Organisation.objects.create(name="Acme Learning", slug="acme", contact_email="hello@acme.test")
    organiser = make_member(org, "organiser@acme.test", Role.ORGANISER)
    learner = make_user(LEARNER)
    badge = publish_activity(org, organiser).badge
    assertion, _ = assertion_issue(badge=badge, user=learner, source=Assertion.Source.LINK)
    individual = accepted(make_individual(make_project(org), email=LEARNER), learner, organiser)
    certificates.certificate_generate(individual=individual, generated_by=organiser)
    certificate = Certificate.objects.get(individual=individual)
    assert certificate.pdf, certificate.render_error

    # The learner downloads both from My learning.
    sign_in(page, live_url, LEARNER, PASSWORD)
    page.goto(f"{live_url}/me/")
    assert_accessible(page)
    assert_fits_phone(page)
    with page.expect_download() as badge_download:
        page.get_by_role("link", name="Signed credential (Open Badges 3.0)").click()
    badge_file = tmp_path / badge_download.value.suggested_filename
    badge_download.value.save_as(badge_file)
    assert badge_file.name.endswith(".json")
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download PDF Bridges Youth Exchange").click()
    pdf_file = tmp_path / "certificate.pdf"
    pdf_download.value.save_as(pdf_file)

    # The share page offers the same credential and a QR code.
    page.get_by_role("link", name="Forest first aid", exact=True).click()
    expect(page.get_by_role("link", name="Download the signed credential")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    sign_out(page, live_url)

    # Anyone checks them, starting from the certificate verification page.
    page.goto(f"{live_url}/verify/")
    page.get_by_role("link", name="Check a credential file or a certificate PDF").click()
    expect(page.get_by_role("heading", name="Verify a credential")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    everything = {"format": True, "issuer": True, "signature": True, "dates": True, "status": True}
    assert upload_and_check(page, live_url, badge_file) == everything
    expect(page.get_by_text("Every check passed.")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    assert upload_and_check(page, live_url, pdf_file) == everything
    expect(page.get_by_text("Every check passed.")).to_be_visible()

    # A bad paste gets a clear message.
    page.get_by_label("…or paste the credential JSON").fill("{not json")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("This is not JSON")).to_be_visible()

    # The organiser revokes the badge and the certificate.
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/badges/{badge.public_id}/")
    page.get_by_label("Reason (published)").fill("Issued by mistake")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke", exact=True).click()
    expect(page.get_by_text("Issued by mistake", exact=True)).to_be_visible()
    page.goto(f"{live_url}/o/acme/individuals/{individual.pk}/")
    page.locator("summary", has_text="Revoke").click()
    page.get_by_label("Reason (shown on the verification page)").fill("Wrong person")
    page.get_by_role("button", name="Revoke certificate").click()
    expect(page.get_by_text(re.compile("Revoked: Wrong person")).first).to_be_visible()
    sign_out(page, live_url)

    # The same files now fail the status check, and only it.
    revoked = {**everything, "status": False}
    assert upload_and_check(page, live_url, badge_file) == revoked
    expect(page.get_by_text("This credential does not verify.")).to_be_visible()
    expect(page.get_by_text("Revoked by the issuer.")).to_be_visible()
    assert_accessible(page)
    assert upload_and_check(page, live_url, pdf_file) == revoked
    expect(page.get_by_text("Revoked by the issuer.")).to_be_visible()
