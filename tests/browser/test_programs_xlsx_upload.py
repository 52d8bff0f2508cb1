"""A learning manager downloads the Excel template, fills it in, uploads it, reuploads a corrected one and sends."""

from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from conftest import PASSWORD, make_member
from organisations.models import Organisation, Role
from programs.models import ImportBatch, Invitation, Program, ProgramRun
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_excel_template_is_filled_uploaded_corrected_reuploaded_and_sent(page, live_url, tmp_path):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    make_member(org, "manager@acme.test", Role.LEARNING_MANAGER)
    program = Program.objects.create(organisation=org, code="MC-DATA", name="Data literacy")
    ProgramRun.objects.create(
        program=program, code="2026-SPRING", starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30)
    )
    sign_in(page, live_url, "manager@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/programs/upload/?program={program.pk}")
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert download.value.suggested_filename == "acme-invitations-template.xlsx"
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    workbook = load_workbook(template)
    sheet, codes = workbook.worksheets
    assert [row[3] for row in codes.iter_rows(min_row=2, values_only=True)] == ["2026-SPRING"]
    assert [cell.value for cell in sheet[2]][2:4] == ["MC-DATA", "2026-SPRING"]

    # Fill it in with one typo in a date, as Excel would keep it: text.
    expiry = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    sheet.delete_rows(2)
    sheet.append(["00101", "ana@example.test", "MC-DATA", "2026-SPRING", expiry])
    sheet.append(["00102", "ben@example.test", "MC-DATA", "2026-SPRING", "2027-02-30 10:00:00"])
    first = tmp_path / "learners.xlsx"
    workbook.save(first)

    page.get_by_label("XLSX or CSV file").set_input_files(first)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_text("Nothing was sent.")).to_be_visible()
    expect(page.locator("#row-3")).to_contain_text("The date 2027-02-30 does not exist.")
    expect(page.get_by_role("link", name="the first row with errors (row 3)")).to_be_visible()
    # The way back leads to the program the upload started from.
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("MC-DATA")
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    # Correct the file and upload it in place of the first.
    sheet.cell(row=3, column=5).value = expiry
    second = tmp_path / "learners-fixed.xlsx"
    workbook.save(second)
    page.get_by_label("XLSX or CSV file").set_input_files(second)
    page.get_by_role("button", name="Reupload and check").click()
    expect(page.get_by_role("heading", name="learners-fixed.xlsx")).to_be_visible()
    expect(page.get_by_text("2 rows read from the first sheet of the workbook.")).to_be_visible()
    expect(page.get_by_role("table", name="Rows of the file, as checked")).to_contain_text("00102")
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("2 invitations sent.")).to_be_visible()
    assert sorted(Invitation.objects.values_list("external_learner_id", flat=True)) == ["00101", "00102"]

    # The first upload says it was replaced, and offers nothing to send.
    old = ImportBatch.objects.get(file_name="learners.xlsx")
    page.goto(f"{live_url}/o/acme/programs/upload/{old.pk}/")
    expect(page.get_by_text("This upload was replaced by a corrected file")).to_be_visible()
    expect(page.get_by_role("button", name="Send invitations")).to_have_count(0)
    assert_accessible(page)


def test_after_a_file_level_problem_the_chosen_file_stays_chosen(page, live_url, tmp_path):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    make_member(org, "manager@acme.test", Role.LEARNING_MANAGER)
    sign_in(page, live_url, "manager@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/programs/upload/")
    broken = tmp_path / "learners.csv"
    broken.write_text("just some words\nand more\n")
    field = page.get_by_label("XLSX or CSV file")
    field.set_input_files(broken)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("learners.csv: This does not look like a table")
    assert field.evaluate("input => input.files.length") == 1
    assert_accessible(page)
    assert_fits_phone(page)
    # The same file again (say, once a colleague added the missing runs) needs no second search for it.
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("learners.csv: This does not look like a table")
    expect(page.get_by_role("button", name="Upload and check")).to_be_enabled()
    # Corrected and chosen again, it is read afresh. (Whether Chromium refuses a file changed on disk after it
    # was chosen depends on the file system's timestamps, so that case is left to the script's own handling.)
    broken.write_text("external_learner_id,email,program_code,program_run_code,expiry_time\n")
    field.set_input_files(broken)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="learners.csv")).to_be_visible()
    expect(page.get_by_text("The file has no rows.")).to_be_visible()
