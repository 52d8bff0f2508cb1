"""The whole certificate story in a browser: organiser and learner write a certificate together."""

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.models import Certificate
from certificates.tests.factories import make_project
from conftest import PASSWORD, make_member
from organisations.models import Organisation, Role
from tests.browser.helpers import assert_accessible, email_links, sign_in, sign_out, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEARNER = "lea.martin@example.test"


def test_organiser_and_learner_write_review_and_issue_a_certificate(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    make_member(org, "organiser@acme.test", Role.ORGANISER)
    project = make_project(org, title="Bridges Volunteering")

    # The organiser adds an individual, sends the connect link, then invites to edit with a message.
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/projects/{project.pk}/")
    page.get_by_role("link", name="Add individual").click()
    page.get_by_label("First name").fill("Lea")
    page.get_by_label("Surname").fill("Martin")
    page.get_by_label("Email").fill(LEARNER)
    page.get_by_label("Country of residence").select_option("FR")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Lea Martin was added.")).to_be_visible()
    page.get_by_role("button", name="Connect learner Lea Martin").click()
    expect(page.get_by_text(f"Connect invitation sent to {LEARNER}")).to_be_visible()
    page.locator("summary", has_text="Invite to edit").click()
    page.get_by_label("Personal message (optional)").fill("Please finish by Friday; the guide is on our site.")
    page.get_by_role("button", name="Send invitation to edit").click()
    expect(page.get_by_text(f"Invitation to edit sent to {LEARNER}")).to_be_visible()
    sign_out(page, live_url)

    # The learner follows the edit link, signs up on the way (email pre-filled) and is connected.
    page.goto(next(link for link in email_links(LEARNER) if "/certificates/edit/" in link))
    expect(page.get_by_text("Please finish by Friday")).to_be_visible()
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_label("Email")).to_have_value(LEARNER)
    sign_up(page, None, None, PASSWORD)
    page.get_by_role("button", name="Connect and start writing").click()
    expect(page.get_by_role("heading", name="Your certificate for Bridges Volunteering")).to_be_visible()
    expect(page.get_by_text("Please finish by Friday")).to_be_visible()

    # Drafts: the autosave reports quietly, the button saves without JavaScript's help.
    page.get_by_label("Birth date").fill("2004-02-03")
    page.get_by_label("Tasks").fill("Ran the repair café on Saturdays")
    page.get_by_label("Personal, social and learning to learn").fill("I learned to plan my week.")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_label("Personal, social and learning to learn")).to_have_value("I learned to plan my week.")
    # Submit checks first, then asks.
    page.get_by_role("button", name="Check and submit…").click()
    expect(page.get_by_role("heading", name="Submit to the organisers now?")).to_be_visible()
    page.get_by_role("button", name="Submit now").click()
    expect(page.get_by_text("Submitted. The organisers will review it")).to_be_visible()
    sign_out(page, live_url)

    # The organiser asks for a change on one field.
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/projects/{project.pk}/")
    page.get_by_role("link", name="Review Lea Martin").click()
    page.get_by_label("Comment on Personal, social and learning to learn").fill("Give one example, please.")
    page.get_by_label("General comment").fill("Nearly there!")
    page.get_by_role("button", name="Request changes").click()
    expect(page.get_by_text("Changes requested; Lea Martin was told by email.")).to_be_visible()
    sign_out(page, live_url)

    # The learner sees the comment beside the field, fixes it and submits again.
    sign_in(page, live_url, LEARNER, PASSWORD)
    page.goto(f"{live_url}/me/")
    page.get_by_role("link", name="Changes requested: Bridges Volunteering").click()
    expect(page.get_by_text("Give one example, please.")).to_be_visible()
    expect(page.get_by_text("Nearly there!")).to_be_visible()
    page.get_by_label("Personal, social and learning to learn").fill(
        "I learned to plan my week, for example by keeping a shared calendar for the café."
    )
    page.get_by_role("button", name="Check and submit…").click()
    page.get_by_role("button", name="Submit now").click()
    expect(page.get_by_text("Submitted. The organisers will review it")).to_be_visible()
    sign_out(page, live_url)

    # The organiser sees the difference, accepts and generates the certificate.
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/projects/{project.pk}/")
    page.get_by_role("link", name="Review Lea Martin").click()
    expect(page.get_by_text("keeping a shared calendar")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Accepted. You can generate the certificate now.")).to_be_visible()
    page.get_by_role("link", name="Bridges Volunteering").click()
    page.get_by_role("button", name="Generate 1 missing or out-of-date certificate").click()
    expect(page.get_by_text("1 certificate is ready.")).to_be_visible()
    # The ZIP is prepared in the background; the page shows its progress, then the download.
    page.get_by_role("button", name="Prepare a ZIP of all PDFs").click()
    expect(page.get_by_role("link", name="Download all PDFs (ZIP)")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as zip_info:
        page.get_by_role("link", name="Download all PDFs (ZIP)").click()
    assert zip_info.value.suggested_filename == "certificates-bridges-volunteering.zip"
    # On a phone the individuals table scrolls inside its box; the page itself does not scroll sideways.
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_out(page, live_url)

    # The learner downloads the PDF and its code verifies.
    sign_in(page, live_url, LEARNER, PASSWORD)
    page.goto(f"{live_url}/me/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF Bridges Volunteering").click()
    pdf_bytes = Path(download_info.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes)).pages)
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", text).group(0)
    assert code == Certificate.objects.get().code
    assert "shared calendar" in " ".join(text.split())
    page.goto(f"{live_url}/verify/")
    page.get_by_label("Certificate code").fill(code.lower())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Valid.")).to_be_visible()
    expect(page.get_by_text("Lea Martin")).to_be_visible()
