"""The fixes of issue 10 as a person meets them: submitting, Back, long reviews, a phone, a corrected name."""

import pytest
from playwright.sync_api import expect

from certificates import services
from certificates.tests.factories import accepted, editing, full_data, make_individual, make_project, submitted
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def cast():
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    organiser = make_member(org, "organiser@acme.test", Role.ORGANISER)
    learner = make_user("lea@example.test")
    return org, organiser, learner, make_project(org, title="Bridges Volunteering")


def test_submit_names_the_problem_first_and_back_never_brings_the_form_back(page, live_url, cast):
    org, organiser, learner, project = cast
    individual = editing(make_individual(project, "lea@example.test"), learner, organiser)
    sign_in(page, live_url, "lea@example.test", PASSWORD)
    page.goto(f"{live_url}/me/certificates/{individual.public_id}/")
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)

    # Text areas grow with what is typed.
    tasks = page.get_by_label("Tasks")
    before = tasks.bounding_box()["height"]
    tasks.fill("\n".join(f"Task number {n}" for n in range(1, 16)))
    assert tasks.bounding_box()["height"] > before + 100

    page.get_by_label("Birth date").fill("2004-02-03")
    page.get_by_label("Personal, social and learning to learn").fill("I learned to plan my week.")
    page.get_by_label("Evidence 1: title").fill("My blog")
    page.get_by_label("Evidence 1: link").fill("not a link")
    page.get_by_role("button", name="Check and submit…").click()

    # No question first: the problems, at the top, as links to the fields.
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert summary.bounding_box()["y"] < 600
    assert_accessible(page)
    summary.get_by_role("link", name="Evidence 1: link").click()
    expect(page.get_by_label("Evidence 1: link")).to_be_focused()
    page.get_by_label("Evidence 1: link").fill("https://example.test/blog")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Check and submit…").click()

    expect(page.get_by_role("heading", name="Submit to the organisers now?")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Submit now").click()
    expect(page.get_by_text("Submitted. The organisers will review it")).to_be_visible()

    # Back to the confirmation, and back again to the form as it was before submitting: never an editable
    # form, never "Writing".
    for _ in range(2):
        page.go_back()
        page.wait_for_load_state()
        expect(page.get_by_text("You have submitted.")).to_be_visible()
        expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
        expect(page.get_by_text("Writing", exact=True)).to_have_count(0)


def test_a_long_resubmission_reads_well_and_the_project_fits_a_phone(page, live_url, cast):
    org, organiser, learner, project = cast
    long_answer = " ".join(["I learned to work with volunteers from many countries."] * 180)
    individual = submitted(
        make_individual(project, "lea@example.test"),
        learner,
        organiser,
        data=full_data(
            competence_digital=long_answer, reference_1_name="ليلى حداد", reference_1_contact="+962 6 555 0100"
        ),
    )
    services.individual_request_changes(
        individual=individual, requested_by=organiser, comment="", field_comments={"tasks": "Name the café"}
    )
    individual.refresh_from_db()
    services.individual_submit(
        individual=individual,
        user=learner,
        data={**individual.draft_data, "tasks": "Ran the Rua Verde repair café\nWrote the blog"},
    )
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)

    # The project page at a phone's width: a list of cards, the actions within reach.
    page.goto(f"{live_url}/o/acme/projects/{project.pk}/")
    assert_accessible(page)
    assert_fits_phone(page)
    review = page.get_by_role("link", name="Review Lea Martin")
    box = review.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.set_viewport_size(DESKTOP)
    review.click()

    # Only what changed since the previous submission is marked, beside the comment it answers.
    expect(page.get_by_role("link", name="Changes since the previous submission")).to_have_attribute(
        "aria-current", "page"
    )
    changed = page.locator("tr.table-warning")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("Rua Verde")
    expect(changed).to_contain_text("Name the café")
    # A 10,000-character answer folds; its label and comment box sit at the top of the row.
    row = page.locator("#row-competence_digital")
    row_box = row.bounding_box()
    assert row_box["height"] < 400
    assert row.locator(".review-label").first.bounding_box()["y"] - row_box["y"] < 30
    assert row.get_by_role("textbox").bounding_box()["y"] - row_box["y"] < 60
    row.get_by_text("Show all").last.click()
    assert row.bounding_box()["height"] > 1000
    # The phone number beside an Arabic name keeps its order.
    contact = page.locator("#row-reference_1_contact bdi").last
    assert contact.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="Compared with the accepted data").click()
    expect(page.locator("tr.table-warning").first).to_be_visible()
    assert page.locator("tr.table-warning").count() > 1


def test_a_corrected_name_reaches_the_certificate_and_replace_all_asks_first(page, live_url, cast):
    org, organiser, learner, project = cast
    individual = accepted(make_individual(project, "lea@example.test"), learner, organiser)
    other = accepted(
        make_individual(project, "bo@example.test", first_name="Bo"), make_user("bo@example.test"), organiser
    )
    services.certificate_generate(individual=individual, generated_by=organiser)
    services.certificate_generate(individual=other, generated_by=organiser)
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/individuals/{individual.pk}/")
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_text("No certificate yet")).to_have_count(0)
    page.get_by_role("link", name="Edit", exact=True).click()
    # One name field, with the rule beside it.
    expect(page.get_by_label("First name")).to_have_count(1)
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    page.get_by_label("First name").fill("Léa")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Léa Martin")).to_be_visible()
    expect(page.get_by_text("changed since certificate")).to_be_visible()

    # The project page offers to make only the out-of-date certificate.
    page.get_by_role("link", name="Bridges Volunteering").click()
    page.get_by_role("button", name="Generate 1 missing or out-of-date certificate").click()
    expect(page.get_by_text("1 certificate is being generated.")).to_be_visible()
    expect(page.get_by_text("2 certificates are ready.")).to_be_visible()
    code = individual.certificates.get(status="valid").code
    page.goto(f"{live_url}/verify/{code}/")
    expect(page.get_by_text("Léa Martin")).to_be_visible()

    # Replace all says how many valid certificates it supersedes before doing anything.
    page.goto(f"{live_url}/o/acme/projects/{project.pk}/")
    page.get_by_role("link", name="Replace all certificates").click()
    expect(page.get_by_text("This supersedes 2 valid certificates")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Replace and generate 2 certificates").click()
    expect(page.get_by_text("2 certificates are being generated.")).to_be_visible()
