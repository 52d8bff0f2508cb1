"""Program and run codes follow one pattern; whatever a stored code holds, its downloads stay well-formed."""

import pytest
from django.urls import reverse
from django.utils.http import parse_header_parameters

from conftest import make_user
from programs import services
from programs.models import Enrolment, Program, ProgramRun
from programs.tests.helpers import invite

INJECTION = """x"; filename*=UTF-8''evil.html; a=\""""


def run_url(name, org, run):
    return reverse(f"programs:{name}", kwargs={"org_slug": org.slug, "program_id": run.program_id, "run_id": run.pk})


def url(name, org, **kwargs):
    return reverse(f"programs:{name}", kwargs={"org_slug": org.slug, **kwargs})


def filename_of(response) -> tuple[str, dict]:
    return parse_header_parameters(response["Content-Disposition"])


@pytest.mark.parametrize("name", ["run_enrolled_csv", "run_invitations_csv"])
def test_a_stored_code_with_a_line_break_still_exports_with_a_clean_name(
    login, org, learning_manager, program, run, name
):
    """Codes saved before the pattern existed: a CR/LF made the export a 500 (BadHeaderError)."""
    Program.objects.filter(pk=program.pk).update(code="MC\r\nDATA")
    ProgramRun.objects.filter(pk=run.pk).update(code="2026\nSPRING")
    Enrolment.objects.create(
        organisation=org, run=run, user=make_user("e@example.test"), external_learner_id="E1", source="direct"
    )
    response = login(learning_manager).get(run_url(name, org, run))
    assert response.status_code == 200
    disposition, params = filename_of(response)
    assert disposition == "attachment" and list(params) == ["filename"]
    assert params["filename"].startswith("MC DATA-2026 SPRING-")
    assert "\n" not in response["Content-Disposition"] and "\r" not in response["Content-Disposition"]


def test_a_stored_code_cannot_inject_a_parameter_into_the_download_header(login, org, learning_manager, program, run):
    Program.objects.filter(pk=program.pk).update(code=INJECTION)
    response = login(learning_manager).get(run_url("run_enrolled_csv", org, run))
    disposition, params = filename_of(response)
    assert list(params) == ["filename"]  # no filename* and no a=
    assert params["filename"].endswith("-2026-SPRING-enrolled.csv")


@pytest.mark.parametrize(
    "code, reason",
    [
        ("MC\r\nDATA", "letters, digits, dots, hyphens and underscores"),
        (INJECTION, "letters, digits, dots, hyphens and underscores"),
        ("MC DATA", "letters, digits, dots, hyphens and underscores"),
        ("-MC", "starts with a letter or digit"),
    ],
)
def test_a_program_code_outside_the_pattern_is_refused_with_the_reason(login, org, learning_manager, code, reason):
    response = login(learning_manager).post(url("create", org), {"name": "Data", "code": code, "kind": "degree"})
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Program.objects.exists()


def test_a_run_code_outside_the_pattern_is_refused_with_the_reason(login, org, learning_manager, program):
    data = {"code": "2026\r\nSPRING", "name": "", "starts_on": "2026-03-01", "ends_on": "2026-06-30", "is_open": "on"}
    response = login(learning_manager).post(url("run_create", org, program_id=program.pk), data)
    assert "letters, digits, dots, hyphens and underscores" in response.content.decode()
    assert not ProgramRun.objects.exists()


def test_the_services_refuse_codes_outside_the_pattern_too(org, program, run):
    from datetime import date

    with pytest.raises(services.ProgramsError, match="letters, digits"):
        services.program_create(organisation=org, name="X", code="A;B", kind="degree")
    with pytest.raises(services.ProgramsError, match="letters, digits"):
        services.program_update(program=program, name="X", code='A"B', kind="degree")
    with pytest.raises(services.ProgramsError, match="letters, digits"):
        services.run_create(program=program, code="R\t1", starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1))
    with pytest.raises(services.ProgramsError, match="letters, digits"):
        services.run_update(run=run, code="R 1", starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1), is_open=True)


def test_the_forms_explain_the_code_pattern(login, org, learning_manager, program):
    client = login(learning_manager)
    for page in (url("create", org), url("run_create", org, program_id=program.pk)):
        assert "Letters, digits, dots, hyphens and underscores" in client.get(page).content.decode()


def test_a_program_with_an_old_code_can_still_be_renamed_once_its_code_is_fixed(login, org, learning_manager, program):
    Program.objects.filter(pk=program.pk).update(code="MC DATA")
    client = login(learning_manager)
    data = {"name": "Renamed", "code": "MC DATA", "kind": "degree", "description": ""}
    assert "letters, digits" in client.post(url("program_edit", org, program_id=program.pk), data).content.decode()
    data["code"] = "MC-DATA"
    assert client.post(url("program_edit", org, program_id=program.pk), data).status_code == 302


def test_the_errors_download_of_an_old_batch_keeps_a_clean_name(login, org, learning_manager, program, run):
    from programs.models import ImportBatch

    invite(program, [run])
    batch = ImportBatch.objects.create(
        organisation=org, uploaded_by=learning_manager, file_name='bad"\r\nname.csv', status=ImportBatch.Status.INVALID
    )
    response = login(learning_manager).get(
        reverse("programs:import_batch_errors", kwargs={"org_slug": org.slug, "batch_id": batch.pk})
    )
    assert response.status_code == 200
    assert list(filename_of(response)[1]) == ["filename"]


def test_a_bulk_row_obeys_the_length_limits_of_the_single_form(login, org, learning_manager, program, run):
    """A 5,000-character learner ID passed validation and made Send a 500 on PostgreSQL every time."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.models import ImportBatch, Invitation
    from programs.tests.conftest import future_text

    expiry = future_text()
    long_email = "a" * 250 + "@example.test"
    lines = [
        "external_learner_id,email,program_code,program_run_code,expiry_time",
        f"{'X' * 5000},long@example.test,MC-DATA,2026-SPRING,{expiry}",
        f"S2,{long_email},MC-DATA,2026-SPRING,{expiry}",
        f"{'Y' * 100},ok@example.test,MC-DATA,2026-SPRING,{expiry}",
    ]
    upload = SimpleUploadedFile("invites.csv", "\n".join(lines).encode(), content_type="text/csv")
    login(learning_manager).post(reverse("programs:import_upload", kwargs={"org_slug": org.slug}), {"file": upload})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    errors = {(row, column): reason for row, column, _value, reason in batch.errors}
    assert errors[(2, "external_learner_id")] == "At most 100 characters (this one has 5000)."
    assert errors[(3, "email")] == "At most 254 characters (this one has 263)."
    assert not any(row == 4 for row, _column in errors)
    assert not Invitation.objects.exists()


def test_the_single_invite_form_refuses_an_address_longer_than_the_database_holds(
    login, org, learning_manager, program, run
):
    from programs.models import Invitation
    from programs.tests.conftest import future_text

    data = {
        "external_learner_id": "S1",
        "email": "a" * 250 + "@example.test",
        "runs": [run.pk],
        "valid_until": future_text(),
    }
    response = login(learning_manager).post(url("invite", org, program_id=program.pk), data)
    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_admin_holds_staff_to_the_code_pattern_too(client, org, program):
    client.force_login(make_user("root@example.test", is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:programs_program_change", args=[program.pk]),
        {
            "name": "Data literacy",
            "code": "MC\r\nDATA",
            "kind": "microcredential",
            "description": "",
            "organisation": org.pk,
            "runs-TOTAL_FORMS": "0",
            "runs-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "letters, digits, dots, hyphens and underscores" in response.content.decode()
    program.refresh_from_db()
    assert program.code == "MC-DATA"
