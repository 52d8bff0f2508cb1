"""An organiser uploads a CSV with an error, fixes it, previews and sends; a learner accepts from the mailbox."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from programs.models import Enrolment, Invitation, Program, ProgramRun
from tests.browser.helpers import (
    assert_accessible,
    assert_fits_phone,
    email_links,
    open_latest_email,
    sign_in,
    sign_out,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "external_learner_id,email,program_code,program_run_code,expiry_time"


def csv_payload(run_code: str) -> dict:
    expiry = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    text = "\r\n".join(
        [
            HEADER,
            f"S001,learner@example.test,MC-DATA,2026-SPRING,{expiry}",
            f"S002,second@example.test,mc-data,{run_code},{expiry}",
        ]
    )
    return {"name": "invites.csv", "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def test_organiser_bulk_invites_learner_accepts_and_a_canceled_link_shows_an_error(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    make_member(org, "manager@acme.test", Role.LEARNING_MANAGER)
    make_user("learner@example.test")
    program = Program.objects.create(organisation=org, code="MC-DATA", name="Data literacy")
    ProgramRun.objects.create(
        program=program, code="2026-SPRING", starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30)
    )

    # Upload a file with a typo in a run code: the error is listed and nothing is sent.
    sign_in(page, live_url, "manager@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/programs/upload/")
    page.get_by_label("XLSX or CSV file").set_input_files(csv_payload("2026-SPRNG"))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_text("Nothing was sent.")).to_be_visible()
    rows = page.get_by_role("table", name="Rows of the file, as checked")
    expect(rows.locator("#row-3")).to_contain_text("No run has this code in program MC-DATA.")
    assert not Invitation.objects.exists()

    # Upload the fixed file from the same page, check the preview, send.
    page.get_by_label("XLSX or CSV file").set_input_files(csv_payload("2026-spring"))
    page.get_by_role("button", name="Reupload and check").click()
    expect(page.get_by_role("table", name="Totals per program and run")).to_contain_text("2")
    expect(page.get_by_role("table", name="Rows of the file, as checked")).to_contain_text("second@example.test")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("2 invitations sent.")).to_be_visible()
    checked(page)

    # Cancel the second learner's invitation from the run's Invitations tab.
    run = ProgramRun.objects.get()
    page.goto(f"{live_url}/o/acme/programs/{program.pk}/runs/{run.pk}/invitations/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel invitation of S002").click()
    expect(page.get_by_text("The invitation to second@example.test was canceled.")).to_be_visible()
    # On a phone the table scrolls inside its box; the page itself does not scroll sideways.
    checked(page)
    page.get_by_role("link", name="S001").click()
    expect(page.get_by_role("heading", name="S001")).to_be_visible()
    checked(page)
    sign_out(page, live_url)

    # The learner follows the emailed link, signs in and accepts.
    open_latest_email(page, live_url, "learner@example.test")
    page.get_by_role("link", name=re.compile(r"invitations.[A-Za-z0-9_-]{20,}")).click()
    expect(page.get_by_role("heading", name="Join Data literacy")).to_be_visible()
    checked(page)
    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Email").fill("learner@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Accept and enrol")).to_be_visible()
    checked(page)
    page.get_by_role("button", name="Accept and enrol").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    expect(page.locator("#main")).to_contain_text("Data literacy")
    expect(page.locator("#main")).to_contain_text("2026-SPRING")
    assert Enrolment.objects.filter(user__email="learner@example.test", run=run).exists()

    # The canceled invitation's link shows the error and enrols nothing.
    page.goto(email_links("second@example.test")[0])
    expect(page.get_by_text("This invitation was canceled by the organisation.")).to_be_visible()
    checked(page)
    assert Enrolment.objects.count() == 1


def test_a_learning_manager_creates_a_program_and_its_runs(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    make_member(org, "manager@acme.test", Role.LEARNING_MANAGER)
    sign_in(page, live_url, "manager@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/programs/")
    checked(page)
    page.get_by_role("link", name="New program").click()
    checked(page)
    page.get_by_label("Name").fill("Bachelor in youth work")
    page.get_by_label("Code").fill("BA-YW")
    page.get_by_label("Kind").select_option(label="Degree")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Program “Bachelor in youth work” created.")).to_be_visible()
    page.get_by_role("link", name="Add a run").click()
    checked(page)
    page.get_by_label("Code").fill("2026-27")
    page.get_by_label("Starts on").fill("2026-09-01")
    page.get_by_label("Ends on").fill("2027-06-30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Run 2026-27 added.")).to_be_visible()
    checked(page)
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Edit program")).to_be_visible()
    checked(page)
    program = Program.objects.get(code="BA-YW")
    assert program.kind == Program.Kind.DEGREE and program.runs.get().code == "2026-27"


def checked(page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})
