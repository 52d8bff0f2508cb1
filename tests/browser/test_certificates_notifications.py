"""A learner hears that their certificate is ready, downloads it from the email, and hears when it is revoked."""

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.tests.factories import accepted, make_individual, make_project
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from tests.browser.helpers import assert_accessible, assert_fits_phone, open_latest_email, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_certificate_email_leads_to_the_pdf_and_a_revocation_is_told_and_shown(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    organiser = make_member(org, "organiser@acme.test", Role.ORGANISER)
    learner = make_user("lea@example.test")
    project = make_project(org, title="Bridges Volunteering")
    individual = accepted(make_individual(project, "lea@example.test"), learner, organiser)

    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/individuals/{individual.pk}/")
    page.get_by_role("button", name="Generate certificate").click()
    expect(page.get_by_role("link", name="PDF", exact=True)).to_be_visible()
    sign_out(page, live_url)

    # The email says it is ready; its button downloads the PDF after signing in.
    open_latest_email(page, live_url, "lea@example.test")
    expect(page.get_by_text("Your certificate for Bridges Volunteering is ready")).to_be_visible()
    code = individual.certificates.get().code
    expect(page.locator("body")).to_contain_text(code)
    download_link = page.locator('a[href*="/me/certificate-pdf/"]').first
    page.goto(download_link.get_attribute("href"))
    page.get_by_label("Email").fill("lea@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Sign In").click()
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert code in " ".join(p.extract_text() for p in pdf.pages)
    page.goto(f"{live_url}/me/")
    expect(page.get_by_role("link", name="Download PDF Bridges Volunteering")).to_be_visible()
    sign_out(page, live_url)

    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/individuals/{individual.pk}/")
    page.locator("summary", has_text="Revoke").click()
    page.get_by_label("Reason (shown on the verification page)").fill("Issued for the wrong project")
    page.get_by_role("button", name="Revoke certificate").click()
    expect(page.get_by_text(f"Certificate {code} revoked.")).to_be_visible()
    sign_out(page, live_url)

    open_latest_email(page, live_url, "lea@example.test")
    expect(page.get_by_text("Your certificate for Bridges Volunteering was revoked")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Issued for the wrong project")

    # My learning keeps it, marked revoked with the reason, and offers no download.
    sign_in(page, live_url, "lea@example.test", PASSWORD)
    page.goto(f"{live_url}/me/")
    certificates = page.locator("#me-certificates ~ ul").first
    expect(certificates).to_contain_text("Revoked")
    expect(certificates).to_contain_text("Issued for the wrong project")
    expect(page.get_by_role("link", name="Download PDF Bridges Volunteering")).to_have_count(0)
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name=code).click()
    expect(page.get_by_text("Revoked.")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
