"""Demo programs, runs and invitations in every state; safe to run again."""

import io
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programs import services
from programs.models import (
    Enrolment,
    ImportBatch,
    Invitation,
    LearnerLink,
    Program,
    ProgramLearnerAdmin,
    ProgramRun,
)
from programs.selectors import latest_link

PROGRAMS = [
    (
        "MC-DATA",
        "Data literacy for youth workers",
        Program.Kind.MICROCREDENTIAL,
        [
            ("2026-SPRING", "Spring 2026", date(2026, 3, 2), date(2026, 6, 26), True),
            ("2026-AUTUMN", "Autumn 2026", date(2026, 9, 7), date(2026, 12, 18), True),
            ("2025-AUTUMN", "Autumn 2025", date(2025, 9, 1), date(2025, 12, 19), False),
        ],
    ),
    (
        "BA-YW",
        "Bachelor in youth work",
        Program.Kind.DEGREE,
        [("2026-27", "Academic year 2026–27", date(2026, 9, 1), date(2027, 6, 30), True)],
    ),
]


def _token(invitation: Invitation) -> str:
    return latest_link(invitation).rstrip("/").rsplit("/", 1)[-1]


def _invite(program, run_codes, ext, email, manager) -> Invitation | None:
    if Invitation.objects.filter(organisation=program.organisation, external_learner_id=ext).exists():
        return None
    return services.invitation_create(
        program=program,
        runs=list(program.runs.filter(code__in=run_codes)),
        external_learner_id=ext,
        email=email,
        valid_until=timezone.now() + timedelta(days=21),
        created_by=manager,
    )


def build(context: dict) -> dict:
    org, manager = context["org"], context["learning_manager"]
    learner, learner2, organiser = context["learner"], context["learner2"], context["organiser"]
    programs = {}
    for code, name, kind, runs in PROGRAMS:
        program, _ = Program.objects.get_or_create(organisation=org, code=code, defaults={"name": name, "kind": kind})
        for run_code, run_name, starts_on, ends_on, is_open in runs:
            ProgramRun.objects.get_or_create(
                program=program,
                code=run_code,
                defaults={"name": run_name, "starts_on": starts_on, "ends_on": ends_on, "is_open": is_open},
            )
        programs[code] = program
    data, degree = programs["MC-DATA"], programs["BA-YW"]
    ProgramLearnerAdmin.objects.get_or_create(program=degree, user=organiser, defaults={"granted_by": context["admin"]})

    # Accepted: the demo learner followed the link and is enrolled.
    accepted = _invite(data, ["2026-SPRING"], "DEMO-001", learner.email, manager)
    if accepted:
        services.invitation_accept(token=_token(accepted), user=learner)
    # Enrolled directly on the degree, later, without an invitation.
    if (
        LearnerLink.objects.filter(organisation=org, user=learner).exists()
        and not Enrolment.objects.filter(user=learner, run__program=degree).exists()
    ):
        services.enrolment_create_direct(
            program=degree,
            runs=list(degree.runs.filter(is_open=True)),
            external_learner_id="DEMO-001",
            created_by=manager,
        )
    # Pending: the second demo learner can open it from the development mailbox.
    _invite(data, ["2026-SPRING", "2026-AUTUMN"], "DEMO-002", learner2.email, manager)
    canceled = _invite(data, ["2026-AUTUMN"], "DEMO-003", "dropped.out@example.org", manager)
    if canceled:
        services.invitation_cancel(invitation=canceled, user=manager)
    expired = _invite(degree, ["2026-27"], "DEMO-004", "too.late@example.org", manager)
    if expired:
        past = timezone.now() - timedelta(days=1)
        Invitation.objects.filter(pk=expired.pk).update(valid_until=past, expires_at=past)
        services.invitations_expire()
    _unenrolled(org, degree, manager)
    _uploads(org, data, manager)
    return {"programs": programs}


def _unenrolled(org, degree, manager) -> None:
    """A learner enrolled directly on the degree, then unenrolled with a reason (the Unenrolled list)."""
    former, _ = get_user_model().objects.get_or_create(
        username="former.learner@example.org", defaults={"email": "former.learner@example.org"}
    )
    if LearnerLink.objects.filter(organisation=org, external_learner_id="DEMO-005").exists():
        return
    LearnerLink.objects.create(organisation=org, external_learner_id="DEMO-005", user=former)
    enrolments = services.enrolment_create_direct(
        program=degree, runs=list(degree.runs.filter(is_open=True)), external_learner_id="DEMO-005", created_by=manager
    )
    for enrolment in enrolments:
        services.enrolment_unenrol(enrolment=enrolment, user=manager, reason="Moved to the part-time degree.")


def _workbook(rows) -> io.BytesIO:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(services.CSV_COLUMNS)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer


def _uploads(org, program, manager) -> None:
    """An upload with a mistyped date, replaced by its corrected file: ready to send from the preview."""
    if ImportBatch.objects.filter(organisation=org, file_name="spring-cohort.xlsx").exists():
        return
    expiry = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d 23:59:59")
    rows = [
        ["DEMO-101", "ana.silva@example.org", program.code, "2026-AUTUMN", expiry],
        ["DEMO-102", "ben.okafor@example.org", program.code, "2026-AUTUMN", "2027-02-30 10:00:00"],
    ]
    first = services.batch_upload(
        organisation=org,
        uploaded_by=manager,
        upload=SimpleUploadedFile("spring-cohort.xlsx", _workbook(rows).getvalue()),
        program=program,
    )
    rows[1][4] = expiry
    services.batch_reupload(
        batch=first,
        uploaded_by=manager,
        upload=SimpleUploadedFile("spring-cohort-fixed.xlsx", _workbook(rows).getvalue()),
    )
