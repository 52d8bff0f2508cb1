"""A program learner admin sees only their programs' figures and may invite, cancel, resend and enrol for them;
changing the program's code and runs belongs to the learning manager."""

from django.urls import reverse

from organisations.models import Membership
from programs.models import Enrolment, Invitation, LearnerLink, ProgramLearnerAdmin
from programs.selectors import member_summary
from programs.tests.conftest import future, make_run
from programs.tests.helpers import invite


def figures(client, org):
    response = client.get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    (tile,) = [item for item in response.context["sections"] if item["section"].key == "programs"]
    return {str(label): value for label, value in tile["figures"]}


def test_the_home_tile_shows_a_program_learner_admin_only_their_programs_figures(
    login, org, learning_manager, program_admin, program, run, other_program, django_assert_num_queries
):
    other_run = make_run(other_program, "D1")
    invite(program, [run], ext="A1", email="a1@example.test")
    for index in range(3):
        invite(other_program, [other_run], ext=f"B{index}", email=f"b{index}@example.test")
    assert figures(login(program_admin), org) == {"program": 1, "pending invitation": 1}
    assert figures(login(learning_manager), org) == {"programs": 2, "pending invitations": 4}
    membership = Membership.objects.select_related("organisation").get(user=program_admin)
    with django_assert_num_queries(3):  # the member's programs, programs count, pending count
        member_summary(membership)


def test_the_tile_shows_thousands_separators(login, org, learning_manager, monkeypatch):
    monkeypatch.setattr(
        "programs.selectors.org_summary", lambda organisation, program_ids: [("pending invitations", 100_008)]
    )
    page = login(learning_manager).get(reverse("organisations:home", kwargs={"org_slug": org.slug})).content.decode()
    assert "<strong>100,008</strong> pending invitations" in page


def test_a_program_learner_admin_cannot_edit_the_program_or_its_runs(login, org, program_admin, program, run):
    client = login(program_admin)
    detail = client.get(
        reverse("programs:program", kwargs={"org_slug": org.slug, "program_id": program.pk})
    ).content.decode()
    assert "/edit/" not in detail and "Add a run" not in detail
    assert "A learning manager changes the program's code and runs" in detail
    data = {"name": "Renamed", "code": "NEW-CODE", "kind": "degree", "description": ""}
    edit = reverse("programs:program_edit", kwargs={"org_slug": org.slug, "program_id": program.pk})
    assert client.post(edit, data).status_code == 403
    run_data = {"code": "NEW-RUN", "name": "", "starts_on": "2026-01-01", "ends_on": "2026-02-01", "is_open": "on"}
    run_edit = reverse("programs:run_edit", kwargs={"org_slug": org.slug, "program_id": program.pk, "run_id": run.pk})
    assert client.post(run_edit, run_data).status_code == 403
    run_create = reverse("programs:run_create", kwargs={"org_slug": org.slug, "program_id": program.pk})
    assert client.post(run_create, run_data).status_code == 403
    program.refresh_from_db()
    run.refresh_from_db()
    assert (program.code, run.code, program.runs.count()) == ("MC-DATA", "2026-SPRING", 1)


def test_the_learning_manager_still_edits_codes_and_runs(login, org, learning_manager, program, run):
    client = login(learning_manager)
    edit = reverse("programs:program_edit", kwargs={"org_slug": org.slug, "program_id": program.pk})
    data = {"name": "Renamed", "code": "NEW-CODE", "kind": "degree", "description": ""}
    assert client.post(edit, data).status_code == 302
    program.refresh_from_db()
    assert program.code == "NEW-CODE"


def test_a_program_learner_admin_invites_cancels_resends_and_enrols_for_their_program(
    login, org, program_admin, degree, degree_run, learner
):
    ProgramLearnerAdmin.objects.create(program=degree, user=program_admin)
    client = login(program_admin)
    kwargs = {"org_slug": org.slug, "program_id": degree.pk}
    data = {
        "external_learner_id": "S1",
        "email": "s1@example.test",
        "runs": [degree_run.pk],
        "valid_until": future().strftime("%Y-%m-%d %H:%M:%S"),
    }
    assert client.post(reverse("programs:invite", kwargs=kwargs), data).status_code == 302
    invitation = Invitation.objects.get()
    inv_kwargs = {**kwargs, "invitation_id": invitation.pk}
    assert client.post(reverse("programs:invitation_resend", kwargs=inv_kwargs)).status_code == 302
    assert client.post(reverse("programs:invitation_cancel", kwargs=inv_kwargs)).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.CANCELED and invitation.resent_by == program_admin
    LearnerLink.objects.create(organisation=org, external_learner_id="S-L", user=learner)
    enrol = client.post(
        reverse("programs:enrol", kwargs=kwargs), {"external_learner_id": "S-L", "runs": [degree_run.pk]}
    )
    assert enrol.status_code == 302
    assert Enrolment.objects.get().created_by == program_admin
