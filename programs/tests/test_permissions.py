"""Every organiser URL of the app × every role: 404 outside, 403 too small a role, login redirect signed out."""

import pytest
from django.urls import reverse

from conftest import make_member, make_user
from organisations.models import Role
from programs.models import Enrolment, ImportBatch, ProgramLearnerAdmin
from programs.tests.conftest import make_run
from programs.tests.helpers import invite

ROLES = ["anonymous", "outsider", "organiser", "program_admin", "learning_manager", "org_admin"]
MANAGERS = {"program_admin": 200, "learning_manager": 200, "org_admin": 200}
ALL_PROGRAMS = {"program_admin": 403, "learning_manager": 200, "org_admin": 200}
ADMIN_POST = {"program_admin": 403, "learning_manager": 403, "org_admin": 302}
MANAGERS_POST = {"program_admin": 302, "learning_manager": 302, "org_admin": 302}
ALL_PROGRAMS_POST = {"program_admin": 403, "learning_manager": 302, "org_admin": 302}
# A POST without a valid form shows the form again (200) to those allowed.
ALL_PROGRAMS_FORM = {"program_admin": 403, "learning_manager": 200, "org_admin": 200}
MANAGERS_FORM = {"program_admin": 200, "learning_manager": 200, "org_admin": 200}

# (url name, extra kwargs, method, expected status per role where it differs from the default)
CASES = [
    ("list", {}, "get", MANAGERS),
    ("create", {}, "get", ALL_PROGRAMS),
    ("import_upload", {}, "get", MANAGERS),
    ("import_template", {}, "get", MANAGERS),
    ("import_batch", {"batch_id": "batch"}, "get", MANAGERS),
    ("import_batch_errors", {"batch_id": "batch"}, "get", MANAGERS),
    ("billing", {}, "get", ALL_PROGRAMS),
    ("billing_csv", {}, "get", ALL_PROGRAMS),
    ("program", {"program_id": "program"}, "get", MANAGERS),
    ("program", {"program_id": "other_program"}, "get", ALL_PROGRAMS),
    # A program learner admin may not change the code or runs of their own program either.
    ("program_edit", {"program_id": "program"}, "get", ALL_PROGRAMS),
    ("program_edit", {"program_id": "program"}, "post", ALL_PROGRAMS_FORM),
    ("run_create", {"program_id": "program"}, "get", ALL_PROGRAMS),
    ("run_create", {"program_id": "program"}, "post", ALL_PROGRAMS_FORM),
    ("run", {"program_id": "program", "run_id": "run"}, "get", MANAGERS),
    ("run_edit", {"program_id": "program", "run_id": "run"}, "get", ALL_PROGRAMS),
    ("run_edit", {"program_id": "program", "run_id": "run"}, "post", ALL_PROGRAMS_FORM),
    ("run_invitations", {"program_id": "program", "run_id": "run"}, "get", MANAGERS),
    ("run_invitations_cancel", {"program_id": "program", "run_id": "run"}, "post", MANAGERS_POST),
    ("run_invitations_cancel", {"program_id": "other_program", "run_id": "other_run"}, "post", ALL_PROGRAMS_POST),
    ("enrolment_unenrol", {"program_id": "program", "run_id": "run", "enrolment_id": "enrolment"}, "get", MANAGERS),
    (
        "enrolment_unenrol",
        {"program_id": "other_program", "run_id": "other_run", "enrolment_id": "other_enrolment"},
        "get",
        ALL_PROGRAMS,
    ),
    ("start", {}, "get", MANAGERS),
    ("program_start", {"program_id": "program"}, "get", MANAGERS),
    ("program_start", {"program_id": "other_program"}, "get", ALL_PROGRAMS),
    ("import_template_xlsx", {}, "get", MANAGERS),
    ("import_batch_reupload", {"batch_id": "batch"}, "post", MANAGERS_FORM),
    ("run_enrolled_csv", {"program_id": "program", "run_id": "run"}, "get", MANAGERS),
    ("run_invitations_csv", {"program_id": "program", "run_id": "run"}, "get", MANAGERS),
    ("invite", {"program_id": "program"}, "get", MANAGERS),
    ("invite", {"program_id": "other_program"}, "get", ALL_PROGRAMS),
    ("enrol", {"program_id": "program"}, "get", MANAGERS),
    ("invitation_detail", {"program_id": "program", "invitation_id": "invitation"}, "get", MANAGERS),
    ("invitation_detail", {"program_id": "other_program", "invitation_id": "other_invitation"}, "get", ALL_PROGRAMS),
    ("invitation_resend", {"program_id": "program", "invitation_id": "invitation"}, "post", MANAGERS_POST),
    ("invitation_cancel", {"program_id": "program", "invitation_id": "invitation"}, "post", MANAGERS_POST),
    (
        "invitation_cancel",
        {"program_id": "other_program", "invitation_id": "other_invitation"},
        "post",
        ALL_PROGRAMS_POST,
    ),
    ("import_batch_send", {"batch_id": "batch"}, "post", MANAGERS_POST),
    ("learner_admin_grant", {"program_id": "program"}, "post", ADMIN_POST),
    ("learner_admin_revoke", {"program_id": "other_program", "role_id": "role"}, "post", ADMIN_POST),
]


@pytest.fixture
def objects(org, org_admin, organiser, learning_manager, outsider, program_admin, program, run, other_program):
    invitation, _ = invite(program, [run])
    other_invitation, _ = invite(other_program, [make_run(other_program)], ext="S2", email="second@example.test")
    colleague = make_member(org, "colleague@acme.test", Role.ORGANISER)
    role = ProgramLearnerAdmin.objects.create(program=other_program, user=colleague)
    batch = ImportBatch.objects.create(organisation=org, uploaded_by=program_admin, file_name="x.csv", status="invalid")
    other_run = make_run(other_program, "OTHER")
    enrolled = make_user("enrolled@example.test")
    enrolment = Enrolment.objects.create(
        organisation=org, run=run, user=enrolled, external_learner_id="E1", source="invitation"
    )
    other_enrolment = Enrolment.objects.create(
        organisation=org, run=other_run, user=enrolled, external_learner_id="E1", source="invitation"
    )
    return {
        "program": program.pk,
        "other_program": other_program.pk,
        "run": run.pk,
        "other_run": other_run.pk,
        "enrolment": enrolment.pk,
        "other_enrolment": other_enrolment.pk,
        "invitation": invitation.pk,
        "other_invitation": other_invitation.pk,
        "role": role.pk,
        "batch": batch.pk,
        "users": {
            "outsider": outsider,
            "organiser": organiser,
            "program_admin": program_admin,
            "learning_manager": learning_manager,
            "org_admin": org_admin,
        },
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "kwargs", "method", "expected"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_every_organiser_url_answers_each_role_as_it_should(client, org, objects, role, name, kwargs, method, expected):
    url = reverse(f"programs:{name}", kwargs={"org_slug": org.slug, **{k: objects[v] for k, v in kwargs.items()}})
    if role != "anonymous":
        client.force_login(objects["users"][role])
    response = getattr(client, method)(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == expected.get(role, 403), (role, name, response.status_code)
