import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from outbox.models import Email
from programs import services
from programs.models import Enrolment, ImportBatch, Invitation, LearnerLink
from programs.services import imports
from programs.tests.conftest import future_text, make_program, make_run
from programs.tests.helpers import invite

HEADER = "external_learner_id,email,program_code,program_run_code,expiry_time"


def csv_file(lines, name="invites.csv", header=HEADER, sep=",", newline="\n", bom=False) -> SimpleUploadedFile:
    text = newline.join([header.replace(",", sep)] + [line.replace(",", sep) for line in lines]) + newline
    data = ("\ufeff" if bom else "") + text
    return SimpleUploadedFile(name, data.encode("utf-8"), content_type="text/csv")


def upload(client, org, file):
    return client.post(reverse("programs:import_upload", kwargs={"org_slug": org.slug}), {"file": file})


def batch_url(org, batch, name="import_batch"):
    return reverse(f"programs:{name}", kwargs={"org_slug": org.slug, "batch_id": batch.pk})


def send(client, org, batch, **kwargs):
    """Press Send; the job it starts runs after commit, as it does for real."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(batch_url(org, batch, "import_batch_send"), **kwargs)


def errors_of(batch):
    return {(row, column, reason) for row, column, _value, reason in batch.errors}


@pytest.fixture
def manager_client(login, learning_manager):
    return login(learning_manager)


def test_the_template_has_the_header_and_an_example_row(manager_client, org):
    response = manager_client.get(reverse("programs:import_template", kwargs={"org_slug": org.slug}))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 2 and lines[1].startswith("S0001,learner@example.org,")


def test_a_clean_file_gives_a_preview_and_send_creates_invitations_and_one_email_per_learner(
    manager_client, org, learning_manager, program, run, run2, django_capture_on_commit_callbacks
):
    expiry = future_text()
    response = upload(
        manager_client,
        org,
        csv_file(
            [
                f"S1,one@example.test,MC-DATA,2026-SPRING,{expiry}",
                f"S1,one@example.test,mc-data,2026-autumn,{expiry}",
                f"S2,two@example.test,MC-DATA,2026-SPRING,{expiry}",
            ]
        ),
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == batch_url(org, batch)
    assert batch.status == ImportBatch.Status.VALID
    assert batch.totals == [
        {"program": "MC-DATA", "program_name": "Data literacy", "run": "2026-AUTUMN", "count": 1},
        {"program": "MC-DATA", "program_name": "Data literacy", "run": "2026-SPRING", "count": 2},
    ]
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert "Send invitations" in page and "two@example.test" in page
    # Three rows make two invitations: the preview says so, so "2 invitations sent" surprises nobody.
    assert "3 rows to invite" in page and "Send makes 2 invitations, one email per learner and program" in page
    assert not Invitation.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(batch_url(org, batch, "import_batch_send"))
    assert response.status_code == 302
    assert "2 invitations sent." in manager_client.get(batch_url(org, batch)).content.decode()
    s1 = Invitation.objects.get(external_learner_id="S1")
    assert {r.code for r in s1.runs.all()} == {"2026-SPRING", "2026-AUTUMN"}
    assert s1.batch == batch and s1.created_by == learning_manager
    assert Email.objects.filter(kind="program_invitation").count() == 2
    s1_email = Email.objects.get(ref_type="programs.invitation", ref_id=s1.pk)
    assert sorted(s1_email.context["runs"]) == [
        "2026-AUTUMN (2026-03-01 – 2026-06-30)",
        "2026-SPRING (2026-03-01 – 2026-06-30)",
    ]
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}


def test_sending_twice_sends_nothing_twice(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"]))
    batch = ImportBatch.objects.get()
    send(manager_client, org, batch)
    response = send(manager_client, org, batch, follow=True)
    assert "already been sent" in response.content.decode()
    assert Invitation.objects.count() == 1
    assert Email.objects.count() == 1
    # The task is idempotent too: a second delivery finds the batch sent and does nothing.
    assert services.batch_send(batch_id=batch.pk) == 0


def test_every_error_is_listed_by_row_and_column_and_nothing_is_sent(
    manager_client, org, program, run, closed_run, other_program, linked_learner
):
    make_run(other_program, "D1")
    expiry = future_text()
    lines = [
        f",bad-email,MC-DATA,2026-SPRING,{expiry}",  # row 2: empty id, invalid email
        f"S3,s3@example.test,NOPE,2026-SPRING,{expiry}",  # row 3: unknown program
        f"S4,s4@example.test,MC-DATA,D1,{expiry}",  # row 4: run of another program
        f"S5,s5@example.test,MC-DATA,2025-OLD,{expiry}",  # row 5: closed run
        "S6,s6@example.test,MC-DATA,2026-SPRING,2026-13-01 10:00",  # row 6: bad expiry
        "S7,s7@example.test,MC-DATA,2026-SPRING,2020-01-01 10:00:00",  # row 7: past expiry
        f"S8,s8@example.test,MC-DATA,2026-SPRING,{expiry}",  # row 8: fine
        f"S8,s8@example.test,MC-DATA,2026-SPRING,{expiry}",  # row 9: duplicate of 8
        f"S8,other@example.test,MC-DATA,2026-AUTUMN-X,{expiry}",  # row 10: second email for S8, unknown run
        f"S-LINKED,someone@example.test,MC-DATA,2026-SPRING,{expiry}",  # row 11: linked to another email
        f"S12,{linked_learner.email},MC-DATA,2026-SPRING,{expiry}",  # row 12: email of another learner ID
        f"S13,s13@example.test,MC-DATA,,{expiry}",  # row 13: empty run
    ]
    response = upload(manager_client, org, csv_file(lines))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    errors = errors_of(batch)
    assert (2, "external_learner_id", "This cell is empty.") in errors
    assert (2, "email", "This is not a valid email address.") in errors
    assert (3, "program_code", "No program has this code.") in errors
    assert (4, "program_run_code", "No run has this code in program MC-DATA.") in errors
    assert (5, "program_run_code", "This run is closed.") in errors
    assert (6, "expiry_time", "Write the time as YYYY-MM-DD HH:MM:SS (UTC).") in errors
    assert (7, "expiry_time", "The expiry must be in the future.") in errors
    assert (9, "program_run_code", "Duplicate of row 8 (same learner and run).") in errors
    assert (10, "email", "Learner ID S8 has another email (s8@example.test) on row 8.") in errors
    assert (11, "email", "Learner ID S-LINKED is linked to an account with another email.") in errors
    assert (12, "email", "This email belongs to the account of learner ID S-LINKED.") in errors
    assert (13, "program_run_code", "This cell is empty.") in errors
    assert not any(row == 8 for row, *_ in errors)
    page = manager_client.get(response["Location"]).content.decode()
    assert "Nothing was sent" in page and "Send invitations" not in page
    assert "Upload the corrected file" in page
    assert manager_client.post(batch_url(org, batch, "import_batch_send")).status_code == 302
    assert not Invitation.objects.exists() and not Email.objects.exists()


def test_the_errors_download_lists_row_column_value_reason_with_formulas_neutralised(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"=cmd(),x@example.test,MC-DATA,NOPE,{future_text()}"]))
    batch = ImportBatch.objects.get()
    response = manager_client.get(batch_url(org, batch, "import_batch_errors"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "row,column,value,reason"
    assert "2,program_run_code,NOPE,No run has this code in program MC-DATA." in text
    upload(manager_client, org, csv_file([f"x,x@example.test,=HYPERLINK(1),R,{future_text()}"]))
    response = manager_client.get(batch_url(org, ImportBatch.objects.first(), "import_batch_errors"))
    assert "'=HYPERLINK(1)" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_a_missing_column_is_reported(manager_client, org, program):
    upload(
        manager_client, org, csv_file(["S1,a@example.test,MC-DATA"], header="external_learner_id,email,program_code")
    )
    batch = ImportBatch.objects.get()
    assert {(r, c) for r, c, _ in errors_of(batch)} == {(1, "program_run_code"), (1, "expiry_time")}


def test_a_program_the_uploader_does_not_manage_is_an_error_on_that_row(
    login, org, program_admin, program, run, other_program
):
    make_run(other_program, "D1")
    expiry = future_text()
    upload(
        login(program_admin),
        org,
        csv_file([f"S1,a@example.test,MC-DATA,2026-SPRING,{expiry}", f"S2,b@example.test,DEG-ENG,D1,{expiry}"]),
    )
    batch = ImportBatch.objects.get()
    assert errors_of(batch) == {(3, "program_code", "You may not manage this program.")}


def test_spreadsheet_exports_are_read_bom_semicolon_crlf_spaces_any_case_any_column_order(
    manager_client, org, program, run
):
    header = "Program_Code,Email,External_Learner_ID,Expiry_Time,Program_Run_Code"
    line = f" mc-data , ONE@Example.TEST ,  S1 ,{future_text()}, 2026-spring "
    upload(manager_client, org, csv_file([line], header=header, sep=";", newline="\r\n", bom=True))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALID, batch.errors
    send(manager_client, org, batch)
    invitation = Invitation.objects.get()
    assert (invitation.external_learner_id, invitation.email) == ("S1", "one@example.test")


def test_an_xlsx_upload_works(manager_client, org, program, run):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["S1", "one@example.test", "MC-DATA", "2026-SPRING", future_text()])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(manager_client, org, SimpleUploadedFile("invites.xlsx", buffer.getvalue()))
    assert ImportBatch.objects.get().status == ImportBatch.Status.VALID


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary"), "not a CSV or XLSX"),
        (SimpleUploadedFile("notes.csv", b"just some words\nand more\n"), "does not look like a table"),
        (SimpleUploadedFile("empty.csv", b""), "empty"),
        (SimpleUploadedFile("photo.png", b"a,b\n1,2\n"), "Upload a .csv or .xlsx file"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_and_nothing_is_stored(manager_client, org, file, message):
    response = upload(manager_client, org, file)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_too_large_is_refused(manager_client, org, settings):
    settings.MAX_UPLOAD_BYTES = 100
    response = upload(manager_client, org, csv_file(["x" * 200]))
    assert "too large" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_rows_already_pending_are_reported_not_sent_again(manager_client, org, program, run, run2):
    invite(program, [run], ext="S1", email="one@example.test")
    expiry = future_text()
    upload(
        manager_client,
        org,
        csv_file(
            [f"S1,one@example.test,MC-DATA,2026-SPRING,{expiry}", f"S1,one@example.test,MC-DATA,2026-AUTUMN,{expiry}"]
        ),
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALID
    assert [n[0] for n in batch.notices] == [2]
    send(manager_client, org, batch)
    assert Invitation.objects.count() == 2
    assert [r.code for r in Invitation.objects.get(batch=batch).runs.all()] == ["2026-AUTUMN"]


def test_a_pending_invitation_with_another_email_is_an_error(manager_client, org, program, run, run2):
    invite(program, [run], ext="S1", email="one@example.test")
    upload(manager_client, org, csv_file([f"S1,two@example.test,MC-DATA,2026-AUTUMN,{future_text()}"]))
    assert errors_of(ImportBatch.objects.get()) == {
        (2, "email", "Learner ID S1 has a pending invitation sent to one@example.test.")
    }


def test_one_email_for_two_learner_ids_in_the_file_is_an_error(manager_client, org, program, run):
    expiry = future_text()
    upload(
        manager_client,
        org,
        csv_file(
            [f"S1,same@example.test,MC-DATA,2026-SPRING,{expiry}", f"S2,Same@Example.test,MC-DATA,2026-SPRING,{expiry}"]
        ),
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    assert errors_of(batch) == {(3, "email", "This email is also given to learner ID S1 on row 2.")}
    assert not Invitation.objects.exists()


def test_an_email_pending_for_another_learner_id_is_an_error(manager_client, org, program, run, run2):
    invite(program, [run], ext="S1", email="one@example.test")
    upload(manager_client, org, csv_file([f"S9,one@example.test,MC-DATA,2026-AUTUMN,{future_text()}"]))
    assert errors_of(ImportBatch.objects.get()) == {
        (2, "email", "A pending invitation to this email is for learner ID S1.")
    }


def test_already_enrolled_learners_are_reported_and_a_file_with_nothing_to_send_says_so(
    manager_client, org, program, run, linked_learner
):
    Enrolment.objects.create(
        organisation=org, run=run, user=linked_learner, external_learner_id="S-LINKED", source="direct"
    )
    upload(manager_client, org, csv_file([f"S-LINKED,{linked_learner.email},MC-DATA,2026-SPRING,{future_text()}"]))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.notices[0][2] == "Already enrolled on this run."
    assert "nothing to send" in batch.message


def test_a_big_file_is_checked_and_sent_by_recorded_jobs_while_the_page_shows_their_progress(
    manager_client, org, learning_manager, program, run, run2, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "INLINE_VALIDATE_BYTES", 10)
    expiry = future_text()
    lines = [
        f"S{i},l{i}@example.test,MC-DATA,{code},{expiry}" for i in range(30) for code in ("2026-SPRING", "2026-AUTUMN")
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(manager_client, org, csv_file(lines))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALIDATING and batch.upload
    check = Job.objects.get(kind="programs.check")
    assert (check.state, check.started_by, check.ref_id) == (Job.State.QUEUED, learning_manager, batch.pk)
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert "Checking the file" in page and "Waiting for a worker" in page
    assert f"/jobs/{check.public_id}/?reload=1" in page and 'hx-trigger="every' in page
    for callback in callbacks:
        callback()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALID and batch.row_count == 60 and not batch.upload
    check.refresh_from_db()
    assert check.state == Job.State.SUCCEEDED and (check.done, check.total) == (60, 60)
    assert check.counts == {"valid": 60}
    with django_capture_on_commit_callbacks(execute=True):
        send(manager_client, org, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SENT and batch.sent_count == 30
    assert Invitation.objects.count() == 30 and Email.objects.count() == 30
    job = Job.objects.get(kind="programs.send")
    assert job.total == 30 and job.return_url == batch_url(org, batch)
    upload_page = manager_client.get(reverse("programs:import_upload", kwargs={"org_slug": org.slug}))
    assert "Jobs started from this page" in upload_page.content.decode()
    assert "Sending invitations" in upload_page.content.decode()


def test_the_send_job_follows_the_emails_until_every_one_is_delivered(
    manager_client, org, program, run, monkeypatch, django_capture_on_commit_callbacks
):
    from jobs.services import jobs_sweep

    expiry = future_text()
    upload(manager_client, org, csv_file([f"S{i},l{i}@example.test,MC-DATA,2026-SPRING,{expiry}" for i in range(3)]))
    batch = ImportBatch.objects.get()
    # The emails' own tasks are not run: the outbox has not delivered anything yet.
    monkeypatch.setattr("outbox.services._send_after_commit", lambda ids: None)
    send(manager_client, org, batch)
    job = Job.objects.get(kind="programs.send")
    assert job.state == Job.State.RUNNING and job.follows and job.total == 3
    jobs_sweep()
    job.refresh_from_db()
    assert job.counts["waiting"] == 3 and job.done == 0
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert "3 invitations sent." in page and "0 of 3 sent" in page
    first, second, third = Email.objects.order_by("pk")
    Email.objects.filter(pk__in=[first.pk, second.pk]).update(status=Email.Status.SENT)
    Email.objects.filter(pk=third.pk).update(status=Email.Status.FAILED, last_error="550 no such mailbox")
    jobs_sweep()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert job.counts == {"sent": 2, "failed": 1, "waiting": 0}
    assert job.reasons == {"failed": {"550 no such mailbox": 1}}
    html = manager_client.get(batch_url(org, batch)).content.decode()
    assert "2 sent · 1 failed" in html and "550 no such mailbox" in html


def test_a_failing_send_marks_the_job_and_the_batch_failed_and_creates_nothing(
    manager_client, org, program, run, monkeypatch
):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"]))
    batch = ImportBatch.objects.get()
    monkeypatch.setattr(imports, "emails_queue_many", lambda **kwargs: 1 / 0)
    send(manager_client, org, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert not Invitation.objects.exists()
    job = Job.objects.get(kind="programs.send")
    assert job.state == Job.State.FAILED and "ZeroDivisionError" in job.message
    assert "Sending failed; nothing was sent." in manager_client.get(batch_url(org, batch)).content.decode()


def test_a_send_job_run_again_after_a_lost_worker_sends_nothing_twice(manager_client, org, program, run):
    from jobs.services import job_run
    from programs import tasks

    upload(
        manager_client, org, csv_file([f"S{i},l{i}@example.test,MC-DATA,2026-SPRING,{future_text()}" for i in range(4)])
    )
    batch = ImportBatch.objects.get()
    send(manager_client, org, batch)
    job = Job.objects.get(kind="programs.send")
    # As if the worker died after the invitations were committed: the job is running again.
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, follows=False)
    tasks.send_batch(job_id=job.pk, batch_id=batch.pk)
    assert Invitation.objects.count() == 4 and Email.objects.count() == 4
    job.refresh_from_db()
    assert job.follows and job.attempts == 2
    assert job_run(job.pk, lambda run: None) is False


def test_a_program_learner_admin_cannot_see_someone_elses_upload(
    login, org, learning_manager, program_admin, program, run
):
    upload(login(learning_manager), org, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"]))
    batch = ImportBatch.objects.get()
    assert login(program_admin).get(batch_url(org, batch)).status_code == 403


def test_uploads_of_another_organisation_are_404(login, org, other_org, outsider, learning_manager):
    batch = ImportBatch.objects.create(organisation=other_org, uploaded_by=outsider, file_name="x.csv")
    assert login(learning_manager).get(batch_url(org, batch)).status_code == 404


def test_the_accepting_learner_of_a_bulk_invitation_is_linked(login, manager_client, org, program, run, learner):
    upload(manager_client, org, csv_file([f"S1,{learner.email},MC-DATA,2026-SPRING,{future_text()}"]))
    send(manager_client, org, ImportBatch.objects.get())
    url = Email.objects.get().context["url"]
    login(learner).post(url.replace("http://testserver", ""))
    assert LearnerLink.objects.get(user=learner).external_learner_id == "S1"


def test_get_on_send_is_405(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"]))
    assert manager_client.get(batch_url(org, ImportBatch.objects.get(), "import_batch_send")).status_code == 405


def test_codes_that_clash_case_insensitively_are_refused(org):
    make_program(org, code="ABC")
    with pytest.raises(services.ProgramsError, match="already has the code"):
        services.program_create(organisation=org, name="x", code=" abc ", kind="degree")


def test_a_failing_check_marks_the_job_and_the_batch_failed(
    manager_client, org, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "INLINE_VALIDATE_BYTES", 10)
    monkeypatch.setattr(imports, "batch_validate_table", lambda **kwargs: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"] * 40))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert Job.objects.get(kind="programs.check").state == Job.State.FAILED
    assert "could not be checked" in manager_client.get(batch_url(org, batch)).content.decode()


def test_a_check_the_sweeper_gave_up_on_stays_retryable_and_retry_finishes_it(
    manager_client, org, program, run, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from jobs.services import jobs_sweep

    monkeypatch.setattr(imports, "INLINE_VALIDATE_BYTES", 10)
    with django_capture_on_commit_callbacks(execute=False):
        upload(
            manager_client,
            org,
            csv_file([f"S{i},l{i}@example.test,MC-DATA,2026-SPRING,{future_text()}" for i in range(20)]),
        )
    batch = ImportBatch.objects.get()
    job = Job.objects.get(kind="programs.check")
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, attempts=settings.JOBS_MAX_ATTEMPTS, heartbeat_at=long_ago
    )
    jobs_sweep()
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.state == Job.State.FAILED and job.retryable
    assert batch.status == ImportBatch.Status.VALIDATING
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert "Stopped after" in page and "Retry" in page
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("jobs:retry", kwargs={"org_slug": org.slug, "public_id": job.public_id}))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALID


def test_a_big_file_that_is_not_a_table_is_refused_before_it_is_stored(manager_client, org, monkeypatch):
    monkeypatch.setattr(imports, "INLINE_VALIDATE_BYTES", 10)
    response = upload(manager_client, org, SimpleUploadedFile("notes.csv", b"no columns here at all\n" * 50))
    assert "does not look like a table" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_stored_file_that_turns_out_unreadable_makes_the_batch_invalid(org, learning_manager, monkeypatch):
    from django.core.files.base import ContentFile

    batch = ImportBatch(organisation=org, uploaded_by=learning_manager, file_name="x.csv")
    batch.upload.save("x.csv", ContentFile(b"a,b\n\x00\x01 binary"), save=False)
    batch.save()
    services.batch_validate_stored(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID and "not a CSV or XLSX" in batch.message
    assert not batch.upload


def test_the_upload_page_lists_recent_uploads_their_own_for_program_learner_admins(
    login, org, learning_manager, program_admin
):
    ImportBatch.objects.create(organisation=org, uploaded_by=learning_manager, file_name="managers.csv")
    ImportBatch.objects.create(organisation=org, uploaded_by=program_admin, file_name="mine.csv")
    url = reverse("programs:import_upload", kwargs={"org_slug": org.slug})
    page = login(learning_manager).get(url).content.decode()
    assert "managers.csv" in page and "mine.csv" in page
    page = login(program_admin).get(url).content.decode()
    assert "mine.csv" in page and "managers.csv" not in page


def test_a_file_with_errors_cannot_be_sent_and_the_page_says_why(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,NOPE,{future_text()}"]))
    batch = ImportBatch.objects.get()
    response = manager_client.post(batch_url(org, batch, "import_batch_send"), follow=True)
    assert "not ready to send" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID and not Invitation.objects.exists()


def test_the_upload_page_states_the_size_limit_in_force(manager_client, org, settings):
    settings.MAX_UPLOAD_BYTES = 5 * 1_048_576
    page = manager_client.get(reverse("programs:import_upload", kwargs={"org_slug": org.slug})).content.decode()
    assert "Up to 5 MB." in page


@pytest.mark.parametrize(
    ("expiry", "reason"),
    [
        ("2031-02-30 10:00:00", "The date 2031-02-30 does not exist."),
        ("2031-13-01 10:00:00", "The date 2031-13-01 does not exist."),
        ("2031-04-31 23:59:59", "The date 2031-04-31 does not exist."),
        ("2031-01-01 25:00:00", "The time 25:00:00 does not exist."),
        ("2031-01-01 10:60:00", "The time 10:60:00 does not exist."),
        ("2031-01-01T10:00:00", "Write the time as YYYY-MM-DD HH:MM:SS (UTC)."),
        ("2031-01-01 10:00+01", "Write the time as YYYY-MM-DD HH:MM:SS (UTC)."),
        ("01/02/2031 10:00:00", "Write the time as YYYY-MM-DD HH:MM:SS (UTC)."),
    ],
)
def test_an_expiry_in_the_right_form_that_names_no_real_moment_says_so(
    manager_client, org, program, run, expiry, reason
):
    upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{expiry}"]))
    assert errors_of(ImportBatch.objects.get()) == {(2, "expiry_time", reason)}


def test_a_leap_day_expiry_is_accepted(manager_client, org, program, run):
    upload(manager_client, org, csv_file(["S1,one@example.test,MC-DATA,2026-SPRING,2032-02-29 10:00:00"]))
    assert ImportBatch.objects.get().status == ImportBatch.Status.VALID


def test_a_batch_whose_rows_were_all_invited_meanwhile_says_none_was_sent_and_why_not_in_green(
    manager_client, org, program, run, run2
):
    expiry = future_text()
    upload(
        manager_client,
        org,
        csv_file(
            [f"S1,one@example.test,MC-DATA,2026-SPRING,{expiry}", f"S2,two@example.test,MC-DATA,2026-AUTUMN,{expiry}"]
        ),
    )
    batch = ImportBatch.objects.get()
    # Between the check and Send, someone invites both learners one by one.
    invite(program, [run], ext="S1", email="one@example.test")
    invite(program, [run2], ext="S2", email="two@example.test")
    send(manager_client, org, batch)
    batch.refresh_from_db()
    assert (batch.status, batch.sent_count, batch.send_skipped_count) == (ImportBatch.Status.SENT, 0, 2)
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert "No invitation was sent." in page and "0 invitations sent" not in page
    assert "2 rows were left out because they changed after the file was checked" in page
    assert "alert-success" not in page and "alert-warning" in page
    assert "Row 2 (S1): Invited to this run after the file was checked" in page
    assert Invitation.objects.filter(batch=batch).count() == 0


def test_rows_closed_or_enrolled_since_the_check_are_left_out_and_the_rest_is_sent(
    manager_client, org, program, run, run2, linked_learner
):
    expiry = future_text()
    upload(
        manager_client,
        org,
        csv_file(
            [
                f"S1,one@example.test,MC-DATA,2026-SPRING,{expiry}",
                f"S2,two@example.test,MC-DATA,2026-AUTUMN,{expiry}",
                f"S-LINKED,{linked_learner.email},MC-DATA,2026-SPRING,{expiry}",
            ]
        ),
    )
    batch = ImportBatch.objects.get()
    run2.is_open = False
    run2.save()
    Enrolment.objects.create(
        organisation=org, run=run, user=linked_learner, external_learner_id="S-LINKED", source="invitation"
    )
    send(manager_client, org, batch)
    batch.refresh_from_db()
    assert (batch.sent_count, batch.send_skipped_count) == (1, 2)
    assert [notice[0] for notice in batch.notices] == [3, 4]
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert "1 invitation sent." in page and "2 rows were left out" in page
    assert "The run was closed after the file was checked." in page
    assert "Enrolled on this run after the file was checked." in page


def test_the_progress_says_the_file_is_being_opened_until_the_total_is_known(
    manager_client, org, learning_manager, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "INLINE_VALIDATE_BYTES", 10)
    with django_capture_on_commit_callbacks(execute=False):
        upload(manager_client, org, csv_file([f"S1,one@example.test,MC-DATA,2026-SPRING,{future_text()}"] * 30))
    batch = ImportBatch.objects.get()
    job = Job.objects.get(kind="programs.check")
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, heartbeat_at=timezone.now())
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert "Opening the file…" in page and "0 of 0" not in page
    Job.objects.filter(pk=job.pk).update(total=100_000, done=40_000)
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert "40,000 of 100,000 rows checked" in page


def test_a_windows_excel_csv_is_read_as_cp1252_and_the_preview_says_so(manager_client, org, program, run):
    text = f"{HEADER}\r\nZOË-1,zoe@example.test,MC-DATA,2026-SPRING,{future_text()}\r\n".replace(",", ";")
    upload(manager_client, org, SimpleUploadedFile("invites.csv", text.encode("cp1252")))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALID and batch.encoding == "Windows-1252"
    page = manager_client.get(batch_url(org, batch)).content.decode()
    assert "1 row read as Windows-1252 text" in page and "ZOË-1" in page
    send(manager_client, org, batch)
    assert Invitation.objects.get().external_learner_id == "ZOË-1"


def test_a_utf8_file_says_utf8_and_a_workbook_says_so(manager_client, org, program, run):
    upload(manager_client, org, csv_file([f"ZOË-1,zoe@example.test,MC-DATA,NOPE,{future_text()}"]))
    batch = ImportBatch.objects.get()
    assert batch.encoding == "UTF-8"
    assert "1 row read as UTF-8 text." in manager_client.get(batch_url(org, batch)).content.decode()
