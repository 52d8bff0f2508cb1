"""Download names: a code outside the pattern is refused on the form; downloads keep their names, whatever they hold."""

from datetime import date

import pytest
from playwright.sync_api import expect

from badges import services as badges
from badges.models import Assertion
from badges.tests.conftest import publish_activity
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from programs.models import Enrolment, Program, ProgramRun
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_is_told_the_code_pattern_and_the_export_keeps_its_name(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    make_member(org, "manager@acme.test", Role.LEARNING_MANAGER)
    sign_in(page, live_url, "manager@acme.test", PASSWORD)

    page.goto(f"{live_url}/o/acme/programs/new/")
    expect(page.locator("#main")).to_contain_text("Letters, digits, dots, hyphens and underscores")
    page.get_by_label("Name").fill("Data literacy")
    page.get_by_label("Code").fill('MC DATA"; x=1')
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#main")).to_contain_text("A code uses letters, digits, dots, hyphens and underscores only")
    assert not Program.objects.exists()
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Code").fill("MC-DATA")
    page.get_by_role("button", name="Save").click()
    program = Program.objects.get()
    assert program.code == "MC-DATA"

    # A run whose code was stored before the pattern (a line break in it) still exports, under a clean name.
    run = ProgramRun.objects.create(
        program=program, code="2026\r\nSPRING", starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30)
    )
    Enrolment.objects.create(
        organisation=org, run=run, user=make_user("e@example.test"), external_learner_id="E1", source="direct"
    )
    page.goto(f"{live_url}/o/acme/programs/{program.pk}/runs/{run.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").first.click()
    assert download.value.suggested_filename == "MC-DATA-2026 SPRING-enrolled.csv"


def test_a_baked_badge_downloads_under_its_non_ascii_name(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme", contact_email="hello@acme.test")
    organiser = make_member(org, "organiser@acme.test", Role.ORGANISER)
    badge = publish_activity(org, organiser, title="Éducation à l'environnement").badge
    make_user("ana@example.test")
    badges.badge_issue_to_emails(badge=badge, text="ana@example.test", issued_by=organiser)
    assertion = Assertion.objects.get()

    # The holder downloads it from the badge's page.
    sign_in(page, live_url, "ana@example.test", PASSWORD)
    page.goto(f"{live_url}/ob/assertions/{assertion.public_id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the baked image").click()
    assert download.value.suggested_filename == "Éducation à l'environnement-badge.svg"
