"""The Learning Manager flow as written: one entry point, direct enrolment emailed and billed, unenrol with a
reason, bulk cancel, and a program learner admin who sees only their programs."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from programs import services
from programs.models import Enrolment, Invitation, LearnerLink, Program, ProgramLearnerAdmin, ProgramRun
from tests.browser.helpers import assert_accessible, assert_fits_phone, open_latest_email, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(page) -> None:
    """Every page of the app is checked the same way: axe-core, then a phone's width, then back to a desktop."""
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture
def acme(db):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    manager = make_member(org, "manager@acme.test", Role.LEARNING_MANAGER)
    data = Program.objects.create(organisation=org, code="MC-DATA", name="Data literacy")
    degree = Program.objects.create(
        organisation=org, code="BA-YW", name="Bachelor in youth work", kind=Program.Kind.DEGREE
    )
    for program, code in ((data, "2026-SPRING"), (degree, "2026-27"), (degree, "2027-28")):
        ProgramRun.objects.create(program=program, code=code, starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 30))
    return {"org": org, "manager": manager, "data": data, "degree": degree}


def invite(program, run_code, ext, email, by):
    return services.invitation_create(
        program=program,
        runs=[program.runs.get(code=run_code)],
        external_learner_id=ext,
        email=email,
        valid_until=timezone.now() + timedelta(days=20),
        created_by=by,
    )


def test_the_entry_point_leads_to_one_learner_a_file_or_a_direct_enrolment(page, live_url, acme):
    sign_in(page, live_url, "manager@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/")
    checked(page)
    page.get_by_role("link", name="Invite and enrol learners").click()
    expect(page.get_by_role("heading", name="Invite and enrol learners")).to_be_visible()
    checked(page)

    # Nothing chosen: the page says what is missing.
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Choose what you would like to do.")).to_be_visible()
    checked(page)

    page.get_by_label("Invite learners to microcredentials and degree programs").check()
    page.get_by_label("One learner").check()
    page.get_by_label("Program", exact=True).select_option(label="Data literacy (MC-DATA) · Microcredential")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Invite a learner to Data literacy")).to_be_visible()
    # The expiry is written in UTC as text, not in the browser's local date format.
    expect(page.get_by_label("Invitation expiry (UTC)")).to_have_attribute("placeholder", "YYYY-MM-DD HH:MM:SS")
    checked(page)

    page.go_back()
    page.get_by_label("Invite learners to microcredentials and degree programs").check()
    page.get_by_label("Several learners, from an Excel or CSV file").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Invite learners from a file")).to_be_visible()

    # From the degree's own page, enrolling directly is the second option.
    page.goto(f"{live_url}/o/acme/programs/{acme['degree'].pk}/")
    checked(page)
    page.get_by_role("link", name="Invite and enrol learners").click()
    page.get_by_label("Enrol a single learner on a degree").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enrol a learner in Bachelor in youth work")).to_be_visible()
    checked(page)


def test_a_direct_enrolment_emails_the_learner_and_shows_on_the_billing_report(page, live_url, acme):
    learner = make_user("linked@example.test")
    LearnerLink.objects.create(organisation=acme["org"], external_learner_id="S-42", user=learner)
    sign_in(page, live_url, "manager@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/programs/{acme['degree'].pk}/start/")
    page.get_by_label("Enrol a single learner on a degree").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Learner ID").fill("S-42")
    page.get_by_label("2027-28").check()
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_text("Learner S-42 enrolled on 2027-28 and told by email.")).to_be_visible()

    open_latest_email(page, live_url, "linked@example.test")
    expect(page.locator("#main")).to_contain_text("You are enrolled in Bachelor in youth work")
    expect(page.locator("#main")).to_contain_text("2027-28")

    page.goto(f"{live_url}/o/acme/programs/billing/")
    month = timezone.now().strftime("%Y-%m")
    row = page.get_by_role("row", name=month)
    # Through invitations, direct, total, learners.
    expect(row.get_by_role("cell")).to_have_text(["0", "1", "1", "1"])
    checked(page)

    # The learner follows the link in the email and finds the degree among their programs.
    sign_out(page, live_url)
    page.goto(f"{live_url}/accounts/login/?next=/me/")
    page.get_by_label("Email").fill("linked@example.test")
    page.get_by_label("Password*", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("#me-programs").locator("..")).to_contain_text("Bachelor in youth work")


def test_a_manager_unenrols_a_learner_with_a_reason_and_cancels_selected_invitations(page, live_url, acme):
    learner = make_user("linked@example.test")
    LearnerLink.objects.create(organisation=acme["org"], external_learner_id="S-42", user=learner)
    degree, data, manager = acme["degree"], acme["data"], acme["manager"]
    services.enrolment_create_direct(
        program=degree, runs=[degree.runs.get(code="2026-27")], external_learner_id="S-42", created_by=manager
    )
    run = degree.runs.get(code="2026-27")
    sign_in(page, live_url, "manager@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/programs/{degree.pk}/runs/{run.pk}/")
    checked(page)
    page.get_by_role("link", name="Unenrol S-42").click()
    expect(page.get_by_role("heading", name="Unenrol S-42 from 2026-27?")).to_be_visible()
    checked(page)
    page.get_by_role("button", name="Unenrol").click()
    expect(page.get_by_text("Say why the learner is unenrolled")).to_be_visible()
    page.get_by_label("Why is this learner unenrolled?").fill("Moved to the part-time degree.")
    page.get_by_role("button", name="Unenrol").click()
    expect(page.get_by_text("S-42 was unenrolled from 2026-27.")).to_be_visible()
    page.get_by_role("link", name="Unenrolled").click()
    expect(page.get_by_role("table")).to_contain_text("Moved to the part-time degree.")
    checked(page)
    assert not Enrolment.objects.active().exists()

    # Three pending invitations; two are selected and canceled at once.
    for index in range(3):
        invite(data, "2026-SPRING", f"P{index}", f"p{index}@example.test", manager)
    spring = data.runs.get()
    page.goto(f"{live_url}/o/acme/programs/{data.pk}/runs/{spring.pk}/invitations/")
    page.get_by_label("Select the invitation of P0").check()
    page.get_by_label("Select the invitation of P2").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel selected invitations").click()
    expect(page.get_by_text("2 invitations canceled.")).to_be_visible()
    checked(page)
    assert dict(Invitation.objects.values_list("external_learner_id", "status")) == {
        "P0": "canceled",
        "P1": "pending",
        "P2": "canceled",
    }


def test_a_program_learner_admin_sees_only_their_programs_figures_and_cannot_edit_codes(page, live_url, acme):
    org, data, degree, manager = acme["org"], acme["data"], acme["degree"], acme["manager"]
    admin = make_member(org, "teacher@acme.test", Role.ORGANISER)
    ProgramLearnerAdmin.objects.create(program=degree, user=admin)
    invite(degree, "2026-27", "D1", "d1@example.test", manager)
    for index in range(3):
        invite(data, "2026-SPRING", f"M{index}", f"m{index}@example.test", manager)

    sign_in(page, live_url, "teacher@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/")
    tile = page.locator(".card", has_text="Programs")
    expect(tile.locator("li")).to_have_text(["1 program", "1 pending invitation"])
    checked(page)
    page.get_by_role("link", name="Programs", exact=True).click()
    expect(page.get_by_role("table")).to_contain_text("Bachelor in youth work")
    expect(page.get_by_role("table")).not_to_contain_text("Data literacy")
    checked(page)
    page.get_by_role("link", name="Bachelor in youth work").click()
    expect(page.get_by_text("A learning manager changes the program's code and runs")).to_be_visible()
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Add a run")).to_have_count(0)
    checked(page)
    response = page.goto(f"{live_url}/o/acme/programs/{degree.pk}/edit/")
    assert response.status == 403
    response = page.goto(f"{live_url}/o/acme/programs/{data.pk}/")
    assert response.status == 403
    sign_out(page, live_url)

    # The learning manager sees the whole organisation.
    sign_in(page, live_url, "manager@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/")
    tile = page.locator(".card", has_text="Programs")
    expect(tile).to_contain_text("2 programs")
    expect(tile).to_contain_text("4 pending invitations")
