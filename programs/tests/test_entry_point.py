"""“Invite and enrol learners”: one entry point on the organisation home and each program, two options."""

import pytest
from django.urls import reverse

from programs.tests.conftest import make_run


def start_url(org, program=None):
    if program is None:
        return reverse("programs:start", kwargs={"org_slug": org.slug})
    return reverse("programs:program_start", kwargs={"org_slug": org.slug, "program_id": program.pk})


@pytest.fixture
def manager_client(login, learning_manager):
    return login(learning_manager)


def test_the_organisation_home_program_list_and_program_page_lead_to_the_entry_point(manager_client, org, program):
    home = manager_client.get(reverse("organisations:home", kwargs={"org_slug": org.slug})).content.decode()
    assert f'href="{start_url(org)}">Invite and enrol learners</a>' in home
    listing = manager_client.get(reverse("programs:list", kwargs={"org_slug": org.slug})).content.decode()
    assert f'href="{start_url(org)}">Invite and enrol learners</a>' in listing
    detail = manager_client.get(
        reverse("programs:program", kwargs={"org_slug": org.slug, "program_id": program.pk})
    ).content.decode()
    assert f'href="{start_url(org, program)}">Invite and enrol learners</a>' in detail
    # One entry point: the three separate buttons are gone.
    assert "Invite in bulk (CSV)" not in detail and "Enrol directly</a>" not in detail


def test_the_entry_point_offers_the_two_options_and_the_programs(manager_client, org, program, degree):
    page = manager_client.get(start_url(org)).content.decode()
    assert "Invite learners to microcredentials and degree programs" in page
    assert "Enrol a single learner on a degree" in page
    assert "One learner" in page and "Several learners, from an Excel or CSV file" in page
    assert "Data literacy (MC-DATA) · Microcredential" in page and "Bachelor in youth work (BA-YW) · Degree" in page


@pytest.mark.parametrize(
    ("choice", "destination"),
    [
        ({"action": "invite", "how": "one", "program": "PROGRAM"}, "/o/acme/programs/PROGRAM/invite/"),
        ({"action": "invite", "how": "file"}, "/o/acme/programs/upload/"),
        ({"action": "invite", "how": "file", "program": "PROGRAM"}, "/o/acme/programs/upload/?program=PROGRAM"),
        ({"action": "enrol", "program": "DEGREE"}, "/o/acme/programs/DEGREE/enrol/"),
    ],
)
def test_each_choice_continues_to_its_form(manager_client, org, program, degree, choice, destination):
    ids = {"PROGRAM": str(program.pk), "DEGREE": str(degree.pk)}
    query = {key: ids.get(value, value) for key, value in choice.items()}
    response = manager_client.get(start_url(org), query)
    assert response.status_code == 302
    for name, value in ids.items():
        destination = destination.replace(name, value)
    assert response["Location"] == destination


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"action": ""}, "Choose what you would like to do."),
        ({"action": "invite"}, "Choose one learner or a file."),
        ({"action": "invite", "how": "one"}, "Choose the program to invite to."),
        ({"action": "enrol"}, "Choose the degree to enrol on."),
        ({"action": "enrol", "program": "PROGRAM"}, "Direct enrolment is for degree programs"),
        ({"action": "invite", "how": "one", "program": "99999"}, "Select a valid choice."),
    ],
)
def test_an_incomplete_choice_says_what_is_missing_and_keeps_what_was_chosen(
    manager_client, org, program, degree, choice, message
):
    query = {key: str(program.pk) if value == "PROGRAM" else value for key, value in choice.items()}
    response = manager_client.get(start_url(org), query)
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    if choice.get("action"):
        assert f'value="{choice["action"]}" id="id_action_{0 if choice["action"] == "invite" else 1}" checked' in page


def test_on_a_programs_page_the_program_is_given(manager_client, org, degree):
    page = manager_client.get(start_url(org, degree)).content.decode()
    assert (
        f'type="hidden" name="program" value="{degree.pk}"' in page and 'id="id_program" aria-describedby' not in page
    )
    response = manager_client.get(start_url(org, degree), {"action": "invite", "how": "one", "program": degree.pk})
    assert response["Location"] == reverse("programs:invite", kwargs={"org_slug": org.slug, "program_id": degree.pk})
    response = manager_client.get(start_url(org, degree), {"action": "invite", "how": "file", "program": degree.pk})
    assert response["Location"].endswith(f"/upload/?program={degree.pk}")


def test_a_microcredentials_page_offers_no_direct_enrolment(manager_client, org, program):
    page = manager_client.get(start_url(org, program)).content.decode()
    assert "Enrol a single learner on a degree" not in page
    response = manager_client.get(start_url(org, program), {"action": "enrol", "program": program.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_a_program_learner_admin_chooses_among_their_programs_only(login, org, program_admin, program, other_program):
    client = login(program_admin)
    page = client.get(start_url(org)).content.decode()
    assert "MC-DATA" in page and "DEG-ENG" not in page
    response = client.get(start_url(org), {"action": "invite", "how": "one", "program": other_program.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_a_program_of_another_organisation_cannot_be_chosen(manager_client, org, other_org):
    from programs.tests.conftest import make_program

    theirs = make_program(other_org, code="THEIRS")
    make_run(theirs)
    response = manager_client.get(start_url(org), {"action": "invite", "how": "one", "program": theirs.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert manager_client.get(start_url(org, theirs)).status_code == 404


def test_the_entry_point_runs_a_constant_number_of_queries(
    manager_client, org, program, degree, django_assert_num_queries
):
    from programs.tests.conftest import make_program

    manager_client.get(start_url(org))
    # session, user, the user's memberships (access and menu), programs
    with django_assert_num_queries(4):
        manager_client.get(start_url(org))
    for index in range(5):
        make_program(org, code=f"P{index}")
    with django_assert_num_queries(4):
        manager_client.get(start_url(org))
