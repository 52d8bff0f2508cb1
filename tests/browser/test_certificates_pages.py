"""The certificates pages the other browser tests do not reach, each checked with axe-core and at phone width:
the projects list, editing a project, adding and importing individuals, a link's page (usable and used), the
learner's page before writing, the verification form."""

import pytest
from playwright.sync_api import expect

from certificates import services
from certificates.tests.factories import make_individual, make_project
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from tests.browser.helpers import assert_accessible, assert_fits_phone, email_links, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}


def checked(page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)


def test_every_other_certificates_page_is_accessible_and_fits_a_phone(page, live_url, tmp_path):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    organiser = make_member(org, "organiser@acme.test", Role.ORGANISER)
    project = make_project(org, title="Bridges Volunteering")
    make_project(org, title="Ponts entre cultures — une très longue semaine de formation à Lyon")
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)

    page.goto(f"{live_url}/o/acme/projects/")
    expect(page.get_by_role("link", name="Bridges Volunteering")).to_be_visible()
    checked(page)
    page.get_by_role("link", name="Bridges Volunteering").click()
    page.get_by_role("link", name="Edit project").click()
    checked(page)
    page.goto(f"{live_url}/o/acme/projects/{project.pk}/")

    page.get_by_role("link", name="Add individual").click()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    checked(page)

    # Import: a file with a problem, then a clean one with its preview.
    page.goto(f"{live_url}/o/acme/projects/{project.pk}/individuals/import/")
    checked(page)
    bad = tmp_path / "bad.csv"
    bad.write_text("first_name,surname,email,country\nAna,Costa,not-an-email,PT\n", encoding="utf-8")
    page.get_by_label("CSV or XLSX file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("Nothing was imported")).to_be_visible()
    checked(page)
    good = tmp_path / "good.csv"
    good.write_text("first_name,surname,email,country\nAna,Costa,ana@example.test,PT\n", encoding="utf-8")
    page.get_by_label("CSV or XLSX file").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("button", name="Import 1 individual")).to_be_visible()
    checked(page)
    page.get_by_role("button", name="Import 1 individual").click()
    expect(page.get_by_text("1 individual imported.")).to_be_visible()
    sign_out(page, live_url)

    # A connect link's page, signed out and then signed in.
    individual = make_individual(project, "lea@example.test")
    services.individual_send_connect(individual=individual, sent_by=organiser)
    make_user("lea@example.test")
    link = next(url for url in email_links("lea@example.test") if "/certificates/connect/" in url)
    page.goto(link)
    expect(page.get_by_role("heading", name="Connect your certificate")).to_be_visible()
    checked(page)
    sign_in(page, live_url, "lea@example.test", PASSWORD)
    page.goto(link)
    expect(page.get_by_role("button", name="Connect my account")).to_be_visible()
    checked(page)
    page.get_by_role("button", name="Connect my account").click()
    expect(page.get_by_text("Your account is connected to Bridges Volunteering.")).to_be_visible()
    page.goto(f"{live_url}/me/certificates/{individual.public_id}/")
    expect(page.get_by_text("The organisers have not opened this for writing yet.")).to_be_visible()
    checked(page)
    # The used link, opened by someone else (signed out), says why it no longer works.
    sign_out(page, live_url)
    page.goto(link)
    expect(page.get_by_text("This link has already been used.")).to_be_visible()
    checked(page)

    # The verification form, and a code that is not found.
    page.goto(f"{live_url}/verify/")
    checked(page)
    page.get_by_label("Certificate code").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Not found.")).to_be_visible()
    checked(page)
