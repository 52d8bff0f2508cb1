from django.urls import reverse

from organisations.sections import sections_for
from programs.models import Program, ProgramLearnerAdmin, ProgramRun
from programs.selectors import org_summary
from programs.tests.helpers import invite


def url(name, org, **kwargs):
    return reverse(f"programs:{name}", kwargs={"org_slug": org.slug, **kwargs})


def test_a_learning_manager_creates_a_program_with_a_trimmed_code(login, org, learning_manager):
    client = login(learning_manager)
    response = client.post(url("create", org), {"name": "Data", "code": "  MC-1 ", "kind": "microcredential"})
    program = Program.objects.get()
    assert response["Location"] == url("program", org, program_id=program.pk)
    assert program.code == "MC-1" and program.organisation == org


def test_a_program_code_is_unique_in_the_organisation_whatever_the_case(login, org, other_org, learning_manager):
    Program.objects.create(organisation=other_org, code="MC-1", name="Elsewhere")
    client = login(learning_manager)
    client.post(url("create", org), {"name": "Data", "code": "MC-1", "kind": "degree"})
    response = client.post(url("create", org), {"name": "Again", "code": " mc-1", "kind": "degree"})
    assert "already has the code" in response.content.decode()
    assert Program.objects.filter(organisation=org).count() == 1


def test_editing_keeps_the_own_code_and_refuses_another_programs(login, org, learning_manager, program, other_program):
    client = login(learning_manager)
    data = {"name": "Renamed", "code": "mc-data", "kind": "degree", "description": "x"}
    assert client.post(url("program_edit", org, program_id=program.pk), data).status_code == 302
    program.refresh_from_db()
    assert (program.name, program.code, program.kind) == ("Renamed", "mc-data", "degree")
    data["code"] = "DEG-ENG"
    response = client.post(url("program_edit", org, program_id=program.pk), data)
    assert "already has the code" in response.content.decode()


def test_runs_have_codes_unique_in_their_program_dates_and_an_open_flag(
    login, org, learning_manager, program, other_program
):
    client = login(learning_manager)
    data = {"code": "R1", "name": "Spring", "starts_on": "2026-03-01", "ends_on": "2026-06-30", "is_open": "on"}
    assert client.post(url("run_create", org, program_id=program.pk), data).status_code == 302
    assert client.post(url("run_create", org, program_id=other_program.pk), data).status_code == 302
    response = client.post(url("run_create", org, program_id=program.pk), {**data, "code": " r1 "})
    assert "already has the code" in response.content.decode()
    response = client.post(
        url("run_create", org, program_id=program.pk), {**data, "code": "R2", "ends_on": "2026-01-01"}
    )
    assert "cannot end before it starts" in response.content.decode()
    run = ProgramRun.objects.get(program=program)
    edit = {**data, "is_open": ""}
    assert client.post(url("run_edit", org, program_id=program.pk, run_id=run.pk), edit).status_code == 302
    run.refresh_from_db()
    assert run.is_open is False


def test_a_run_of_another_program_is_404_under_this_one(login, org, learning_manager, program, other_program):
    from programs.tests.conftest import make_run

    foreign = make_run(other_program, "X")
    response = login(learning_manager).get(url("run", org, program_id=program.pk, run_id=foreign.pk))
    assert response.status_code == 404


def test_an_admin_grants_and_revokes_the_program_learner_admin_role(login, org, org_admin, organiser, program):
    client = login(org_admin)
    response = client.post(url("learner_admin_grant", org, program_id=program.pk), {"user": organiser.pk})
    assert response.status_code == 302
    role = ProgramLearnerAdmin.objects.get()
    assert (role.user, role.program, role.granted_by) == (organiser, program, org_admin)
    page = client.get(url("program", org, program_id=program.pk)).content.decode()
    assert organiser.email in page
    # The role opens the program's pages to the organiser.
    assert login(organiser).get(url("program", org, program_id=program.pk)).status_code == 200
    client = login(org_admin)
    client.post(url("learner_admin_revoke", org, program_id=program.pk, role_id=role.pk))
    assert not ProgramLearnerAdmin.objects.exists()
    assert login(organiser).get(url("program", org, program_id=program.pk)).status_code == 403


def test_the_role_can_be_granted_only_to_members(login, org, org_admin, program, outsider):
    response = login(org_admin).post(url("learner_admin_grant", org, program_id=program.pk), {"user": outsider.pk})
    assert response.status_code == 302
    assert not ProgramLearnerAdmin.objects.exists()


def test_granting_is_post_only(login, org, org_admin, program):
    assert login(org_admin).get(url("learner_admin_grant", org, program_id=program.pk)).status_code == 405


def test_a_program_learner_admin_sees_only_their_programs_in_the_list(
    login, org, program_admin, program, other_program
):
    page = login(program_admin).get(url("list", org)).content.decode()
    assert program.name in page and other_program.name not in page
    assert "New program" not in page


def test_the_organiser_home_shows_a_programs_tile_with_pending_invitations(
    login, org, learning_manager, organiser, program, run, django_assert_num_queries
):
    invite(program, [run])
    invite(program, [run], ext="S2", email="two@example.test")
    with django_assert_num_queries(2):  # programs count, pending invitations count
        assert {str(k): v for k, v in org_summary(org)} == {"program": 1, "pending invitations": 2}
    page = login(learning_manager).get(reverse("organisations:home", kwargs={"org_slug": org.slug})).content.decode()
    assert "Programs" in page and "pending invitations" in page
    membership = organiser.memberships.get()
    assert "programs" not in [s.key for s in sections_for(membership)]


def test_revoking_is_post_only(login, org, org_admin, organiser, program):
    role = ProgramLearnerAdmin.objects.create(program=program, user=organiser)
    response = login(org_admin).get(url("learner_admin_revoke", org, program_id=program.pk, role_id=role.pk))
    assert response.status_code == 405
    assert ProgramLearnerAdmin.objects.exists()


def test_granting_the_role_twice_says_so_and_keeps_one_role(login, org, org_admin, organiser, program):
    client = login(org_admin)
    client.post(url("learner_admin_grant", org, program_id=program.pk), {"user": organiser.pk})
    response = client.post(url("learner_admin_grant", org, program_id=program.pk), {"user": organiser.pk}, follow=True)
    assert f"{organiser.email} already manages this program." in response.content.decode()
    assert ProgramLearnerAdmin.objects.count() == 1


def test_a_role_cannot_be_revoked_through_another_programs_url(
    login, org, org_admin, organiser, program, other_program
):
    role = ProgramLearnerAdmin.objects.create(program=other_program, user=organiser)
    response = login(org_admin).post(url("learner_admin_revoke", org, program_id=program.pk, role_id=role.pk))
    assert response.status_code == 404
    assert ProgramLearnerAdmin.objects.filter(pk=role.pk).exists()


def test_a_refused_edit_shows_why_and_keeps_what_was_typed(login, org, learning_manager, program, other_program):
    data = {"name": "Typed name", "code": "deg-eng", "kind": "degree", "description": ""}
    response = login(learning_manager).post(url("program_edit", org, program_id=program.pk), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "already has the code" in page and 'value="Typed name"' in page
    program.refresh_from_db()
    assert program.name == "Data literacy"
