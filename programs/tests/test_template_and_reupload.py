"""The invitation templates, reuploading a corrected file, and the rows preview with its pager."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from programs.models import ImportBatch, Invitation
from programs.tests.conftest import future_text, make_program, make_run
from programs.tests.test_import import HEADER, batch_url, csv_file, upload

COLUMNS = HEADER.split(",")


@pytest.fixture
def manager_client(login, learning_manager):
    return login(learning_manager)


def template_url(org, name="import_template_xlsx", **query):
    url = reverse(f"programs:{name}", kwargs={"org_slug": org.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def workbook_of(response):
    return load_workbook(io.BytesIO(response.content))


def xlsx_upload(rows, name="invites.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def reupload(client, org, batch, file, **headers):
    return client.post(batch_url(org, batch, "import_batch_reupload"), {"file": file}, headers=headers)


# The templates ---------------------------------------------------------------------------------------------


def test_the_xlsx_template_has_the_five_headings_text_columns_and_an_example_with_this_organisations_codes(
    manager_client, org, program, run, closed_run, other_org
):
    foreign = make_program(other_org, code="THEIRS")
    make_run(foreign, "THEIR-RUN")
    response = manager_client.get(template_url(org))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="acme-invitations-template.xlsx"'
    workbook = workbook_of(response)
    invitations, codes = workbook.worksheets
    rows = list(invitations.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    example = rows[1]
    assert example[:4] == ("S0001", "learner@example.org", "MC-DATA", "2026-SPRING")
    # Text, so Excel neither reformats the expiry nor drops a learner ID's leading zeros.
    assert isinstance(example[4], str) and len(example[4]) == 19 and example[4].endswith(" 23:59:59")
    assert all(invitations.column_dimensions[letter].number_format == "@" for letter in "ABCDE")
    assert invitations.cell(row=2, column=5).number_format == "@"
    listed = list(codes.iter_rows(values_only=True))
    assert listed[0][:5] == ("program_code", "program_name", "program_kind", "program_run_code", "run_name")
    # Only this organisation's open runs: a closed run cannot be invited to, another organisation's is none of theirs.
    assert [(row[0], row[3]) for row in listed[1:]] == [("MC-DATA", "2026-SPRING")]


def test_the_template_lists_only_the_programs_a_program_learner_admin_may_invite_to(
    login, org, program_admin, program, run, other_program
):
    make_run(other_program, "D1")
    codes = workbook_of(login(program_admin).get(template_url(org))).worksheets[1]
    assert {row[0] for row in list(codes.iter_rows(values_only=True))[1:]} == {"MC-DATA"}


def test_from_a_program_page_the_example_row_uses_that_programs_run(manager_client, org, program, run, other_program):
    make_run(other_program, "D1")
    example = list(workbook_of(manager_client.get(template_url(org, program=other_program.pk))).worksheets[0].rows)[1]
    assert [cell.value for cell in example[2:4]] == ["DEG-ENG", "D1"]
    codes = workbook_of(manager_client.get(template_url(org, program=other_program.pk))).worksheets[1]
    assert [row[0] for row in list(codes.iter_rows(values_only=True))[1:]] == ["DEG-ENG", "MC-DATA"]


def test_a_program_context_of_a_program_not_theirs_is_403(login, org, program_admin, program, other_program):
    assert login(program_admin).get(template_url(org, program=other_program.pk)).status_code == 403


def test_an_organisation_without_open_runs_gets_placeholders_and_a_note(manager_client, org):
    workbook = workbook_of(manager_client.get(template_url(org)))
    assert [cell.value for cell in list(workbook.worksheets[0].rows)[1][2:4]] == ["PROGRAM-CODE", "RUN-CODE"]
    assert "no open run" in workbook.worksheets[1].cell(row=2, column=1).value


def test_a_code_that_looks_like_a_formula_is_written_as_text(manager_client, org):
    make_run(make_program(org, code="=HYPERLINK(1)"), "R1")
    workbook = workbook_of(manager_client.get(template_url(org)))
    cell = workbook.worksheets[1].cell(row=2, column=1)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_the_csv_template_uses_this_organisations_codes_not_the_demos(manager_client, org, other_program):
    make_run(other_program, "D1")
    response = manager_client.get(template_url(org, "import_template"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER
    assert lines[1].startswith("S0001,learner@example.org,DEG-ENG,D1,")


def test_the_filled_in_xlsx_template_uploads_cleanly(manager_client, org, program, run):
    workbook = workbook_of(manager_client.get(template_url(org)))
    sheet = workbook.worksheets[0]
    sheet.append(["00042", "zoe@example.test", "MC-DATA", "2026-SPRING", future_text()])
    sheet.delete_rows(2)  # the example row
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(manager_client, org, SimpleUploadedFile("filled.xlsx", buffer.getvalue()))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALID, batch.errors
    assert batch.invitation_count == 1 and batch.encoding == ""
    with TestCase.captureOnCommitCallbacks(execute=True):
        manager_client.post(batch_url(org, batch, "import_batch_send"))
    assert Invitation.objects.get().external_learner_id == "00042"


# Upload and reupload ---------------------------------------------------------------------------------------


def test_an_upload_from_a_program_page_keeps_that_program_as_its_context(manager_client, org, program, run):
    url = reverse("programs:import_upload", kwargs={"org_slug": org.slug}) + f"?program={program.pk}"
    page = manager_client.get(url).content.decode()
    assert f'name="program" value="{program.pk}"' in page and f"?program={program.pk}" in page
    manager_client.post(
        url, {"file": csv_file([f"S1,one@example.test,MC-DATA,NOPE,{future_text()}"]), "program": program.pk}
    )
    batch = ImportBatch.objects.get()
    assert batch.program == program
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert f'href="/o/acme/programs/{program.pk}/">MC-DATA</a>' in page


def test_reuploading_a_corrected_file_replaces_the_upload_and_keeps_its_program(
    manager_client, org, program, run, learning_manager
):
    upload_url = reverse("programs:import_upload", kwargs={"org_slug": org.slug})
    manager_client.post(
        upload_url, {"file": csv_file([f"S1,one@example.test,MC-DATA,NOPE,{future_text()}"]), "program": program.pk}
    )
    old = ImportBatch.objects.get()
    assert old.status == ImportBatch.Status.INVALID
    page = manager_client.get(batch_url(org, old)).content.decode()
    assert "Upload the corrected file" in page and batch_url(org, old, "import_batch_reupload") in page

    response = reupload(
        manager_client, org, old, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"])
    )
    new = ImportBatch.objects.exclude(pk=old.pk).get()
    assert response.status_code == 302 and response["Location"] == batch_url(org, new)
    old.refresh_from_db()
    assert old.superseded_by == new and old.superseded_at is not None
    assert (new.status, new.program, new.organisation, new.uploaded_by) == (
        ImportBatch.Status.VALID,
        program,
        org,
        learning_manager,
    )
    page = manager_client.get(batch_url(org, old)).content.decode()
    assert "This upload was replaced by a corrected file" in page and batch_url(org, new) in page
    assert "Upload the corrected file" not in page
    listing = manager_client.get(reverse("programs:import_upload", kwargs={"org_slug": org.slug})).content.decode()
    assert "Replaced by a newer upload" in listing


def test_a_valid_upload_can_be_reuploaded_and_the_replaced_one_can_no_longer_be_sent(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"]))
    old = ImportBatch.objects.get()
    assert "Reupload and check" in manager_client.get(batch_url(org, old)).content.decode()
    reupload(manager_client, org, old, csv_file([f"S2,two@example.test,MC-DATA,2026-SPRING,{future_text()}"]))
    page = manager_client.get(batch_url(org, old)).content.decode()
    assert "Send invitations" not in page
    response = manager_client.post(batch_url(org, old, "import_batch_send"), follow=True)
    assert "This upload was replaced by a newer one; send that one instead." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_double_reupload_makes_one_new_upload(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,NOPE,{future_text()}"]))
    old = ImportBatch.objects.get()
    line = f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"
    reupload(manager_client, org, old, csv_file([line]))
    response = reupload(manager_client, org, old, csv_file([line]))
    assert response.status_code == 200
    assert "This upload has already been replaced by a newer one." in response.content.decode()
    assert ImportBatch.objects.count() == 2


def test_a_sent_upload_cannot_be_replaced(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"]))
    batch = ImportBatch.objects.get()
    manager_client.post(batch_url(org, batch, "import_batch_send"))
    assert "Upload the corrected file" not in manager_client.get(batch_url(org, batch)).content.decode()
    response = reupload(
        manager_client, org, batch, csv_file([f"S2,b@example.test,MC-DATA,2026-SPRING,{future_text()}"])
    )
    assert "This file has been sent or is being processed" in response.content.decode()
    assert ImportBatch.objects.count() == 1


def test_an_unreadable_reupload_changes_nothing_and_names_the_file(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,NOPE,{future_text()}"]))
    old = ImportBatch.objects.get()
    response = reupload(manager_client, org, old, SimpleUploadedFile("fixed.csv", b"\x89PNG\r\n\x1a\n\x00binary"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "fixed.csv</strong>: This is not a CSV or XLSX table." in page
    old.refresh_from_db()
    assert ImportBatch.objects.count() == 1 and not old.is_superseded


def test_reupload_by_htmx_answers_with_the_problem_only_so_the_chosen_file_stays(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,NOPE,{future_text()}"]))
    old = ImportBatch.objects.get()
    response = reupload(manager_client, org, old, SimpleUploadedFile("fixed.csv", b""), HX_Request="true")
    page = response.content.decode()
    assert response.status_code == 200 and page.startswith('<div id="upload-feedback"')
    assert "<html" not in page and "fixed.csv" in page and "empty" in page
    response = reupload(
        manager_client,
        org,
        old,
        csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"]),
        HX_Request="true",
    )
    new = ImportBatch.objects.exclude(pk=old.pk).get()
    assert response["HX-Redirect"] == batch_url(org, new)


def test_an_upload_by_htmx_with_no_file_says_choose_one(manager_client, org):
    url = reverse("programs:import_upload", kwargs={"org_slug": org.slug})
    response = manager_client.post(url, {}, headers={"HX-Request": "true"})
    assert "Choose a file to upload." in response.content.decode() and "<html" not in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_get_on_reupload_is_405_and_someone_elses_upload_is_403(
    login, org, learning_manager, program_admin, program, run
):
    upload(login(learning_manager), org, csv_file([f"S1,one@example.test,MC-DATA,NOPE,{future_text()}"]))
    batch = ImportBatch.objects.get()
    assert login(learning_manager).get(batch_url(org, batch, "import_batch_reupload")).status_code == 405
    response = reupload(login(program_admin), org, batch, csv_file(["x"]))
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 1


def test_the_recent_uploads_list_puts_name_and_status_on_their_own_lines(manager_client, org, learning_manager):
    ImportBatch.objects.create(
        organisation=org, uploaded_by=learning_manager, file_name="a-very-long-file-name-" * 5 + ".csv"
    )
    page = manager_client.get(reverse("programs:import_upload", kwargs={"org_slug": org.slug})).content.decode()
    assert 'class="text-break"' in page and "d-flex justify-content-between" not in page


# The rows preview --------------------------------------------------------------------------------------------


def test_the_preview_lists_every_row_in_file_order_with_problems_in_place(manager_client, org, program, run, run2):
    expiry = future_text()
    lines = [
        f"S1,one@example.test,MC-DATA,2026-SPRING,{expiry}",
        f"S2,bad-email,MC-DATA,2026-SPRING,{expiry}",
        "S3,three@example.test,MC-DATA,2026-AUTUMN,2031-02-30 10:00:00",
    ]
    upload(manager_client, org, csv_file(lines))
    batch = ImportBatch.objects.get()
    response = manager_client.get(batch_url(org, batch))
    listing = response.context["listing"]
    assert [(row["number"], row["kind"]) for row in listing["rows"]] == [(2, "ok"), (3, "error"), (4, "error")]
    assert listing["rows"][1]["cells"][1] == {
        "column": "email",
        "value": "bad-email",
        "problem": "This is not a valid email address.",
    }
    assert listing["rows"][2]["cells"][4]["problem"] == "The date 2031-02-30 does not exist."
    assert listing["counts"] == {"ok": 1, "error": 2, "skipped": 0}
    only_errors = manager_client.get(batch_url(org, batch) + "?show=errors").context["listing"]
    assert [row["number"] for row in only_errors["rows"]] == [3, 4]


def test_the_pager_has_first_and_last_and_jumps_to_the_first_erroneous_and_error_free_rows(
    manager_client, org, program, run
):
    expiry = future_text()
    lines = [f"S{i},bad-{i},MC-DATA,2026-SPRING,{expiry}" for i in range(120)]
    lines += [f"T{i},t{i}@example.test,MC-DATA,2026-SPRING,{expiry}" for i in range(30)]
    upload(manager_client, org, csv_file(lines))
    batch = ImportBatch.objects.get()
    response = manager_client.get(batch_url(org, batch) + "?page=2")
    listing = response.context["listing"]
    assert (listing["first_error"], listing["first_error_page"]) == (2, 1)
    # 120 erroneous rows first (rows 2–121), so the first error-free row, 122, is on page 3 of 50 rows.
    assert (listing["first_ok"], listing["first_ok_page"]) == (122, 3)
    page = response.content.decode()
    assert 'href="?page=3#row-122"' in page and "the first error-free row (row 122)" in page
    assert 'href="?page=1#row-2"' in page
    assert ">First</a>" in page and ">Last</a>" in page and "Page 2 of 3" in page
    assert 'href="?page=1#rows">First' in page and 'href="?page=3#rows">Last' in page
    # Filtered, the jumps still lead to the full list.
    filtered = manager_client.get(batch_url(org, batch) + "?show=ok").context["listing"]
    assert [row["number"] for row in filtered["rows"]][:1] == [122] and filtered["first_ok_page"] == 3


def test_large_counts_have_the_locales_thousands_separator(manager_client, org, learning_manager):
    batch = ImportBatch.objects.create(
        organisation=org,
        uploaded_by=learning_manager,
        file_name="big.csv",
        status=ImportBatch.Status.SENT,
        sent_count=100_008,
    )
    assert "100,008 invitations sent." in manager_client.get(batch_url(org, batch)).content.decode()


def test_the_batch_page_runs_a_constant_number_of_queries(manager_client, org, program, run, django_assert_num_queries):
    expiry = future_text()
    upload(manager_client, org, csv_file([f"S{i},s{i}@example.test,MC-DATA,2026-SPRING,{expiry}" for i in range(200)]))
    batch = ImportBatch.objects.get()
    manager_client.get(batch_url(org, batch))
    # session, user, the user's memberships (access and menu), the batch, its latest job, its stored rows,
    # the runs on this page
    with django_assert_num_queries(7):
        manager_client.get(batch_url(org, batch))
    with django_assert_num_queries(7):
        manager_client.get(batch_url(org, batch) + "?page=4&show=ok")
