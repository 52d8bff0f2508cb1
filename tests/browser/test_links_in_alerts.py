"""Links inside coloured alerts keep a readable contrast (axe-core's color-contrast rule) on the pages where a
learner or an organiser is told something waits for them."""

import pytest
from playwright.sync_api import expect

from certificates import services
from certificates.tests.factories import editing, full_data, make_individual, make_project
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_certificate_waiting_on_my_learning_and_the_submission_to_review_are_readable_links(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    organiser = make_member(org, "organiser@acme.test", Role.ORGANISER)
    lea, jonas = make_user("lea@example.test"), make_user("jonas@example.test")
    project = make_project(org, title="Bridges Volunteering")
    editing(make_individual(project, "lea@example.test"), lea, organiser)
    submitted = make_individual(project, "jonas@example.test", first_name="Jonas", surname="Berg")
    editing(submitted, jonas, organiser)
    services.individual_submit(individual=submitted, user=jonas, data=full_data(first_name="Jonas", surname="Berg"))

    # The learner is asked to write: the alert on My learning links to the form.
    sign_in(page, live_url, "lea@example.test", PASSWORD)
    page.goto(f"{live_url}/me/")
    link = page.get_by_role("link", name="Write your certificate: Bridges Volunteering")
    expect(link).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    sign_out(page, live_url)

    # The organiser opens the individual who submitted: the alert links to the review.
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/individuals/{submitted.pk}/")
    link = page.get_by_role("link", name="Review the submission")
    expect(link).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    link.click()
    expect(page.get_by_role("heading", name="Review Jonas Berg")).to_be_visible()
