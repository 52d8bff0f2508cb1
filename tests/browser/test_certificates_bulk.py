"""An organiser invites several individuals at once with a deadline; a learner sees it and is reminded."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from certificates.models import Individual
from certificates.tasks import send_deadline_reminders
from certificates.tests.factories import make_individual, make_project, submitted
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from tests.browser.helpers import (
    assert_accessible,
    assert_fits_phone,
    open_latest_email,
    sign_in,
    sign_out,
    sign_up,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}


def test_select_several_invite_them_with_a_deadline_and_the_learner_is_reminded(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    organiser = make_member(org, "organiser@acme.test", Role.ORGANISER)
    project = make_project(org, title="Bridges Volunteering")
    ana = make_individual(project, "ana@example.test", first_name="Ana", surname="Alves")
    bo = make_individual(project, "bo@example.test", first_name="Bo", surname="Berg")
    di = submitted(
        make_individual(project, "di@example.test", first_name="Di", surname="Dahl"), make_user("di@x.test"), organiser
    )
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/projects/{project.pk}/")

    # First everyone not yet invited gets the connect link, in one go.
    page.locator("summary", has_text="Send to several individuals").click()
    assert_accessible(page)
    page.get_by_label("Send", exact=True).select_option("connect")
    page.get_by_label("Everyone not yet invited").check()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Finished.")).to_be_visible()
    expect(page.locator(".job-count")).to_contain_text("2 sent")
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="Back to where it was started").click()

    # Then three selected people are invited to edit with one message and a deadline; Di is skipped, named.
    deadline = timezone.now().date() + timedelta(days=settings.CERTIFICATES_REMINDER_DAYS + 7)
    for name in ("Ana Alves", "Bo Berg", "Di Dahl"):
        page.get_by_label(f"Select {name}").check()
    page.locator("summary", has_text="Send to several individuals").click()
    page.get_by_label("Send", exact=True).select_option("invite")
    page.get_by_label("The individuals selected below").check()
    page.get_by_label("Personal message (optional, for invitations to edit)").fill("Write about the repair café.")
    page.get_by_label("Deadline (optional, for invitations to edit)").fill(deadline.isoformat())
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Finished.")).to_be_visible()
    expect(page.locator(".job-count")).to_contain_text("2 sent")
    expect(page.locator(".job-count")).to_contain_text("1 skipped")
    page.locator("summary", has_text="Why 1 skipped").click()
    expect(page.get_by_text("Submitted; review it first: Di Dahl")).to_be_visible()
    assert Individual.objects.get(pk=di.pk).status == "submitted"

    # The list filters those who have not submitted yet, with their deadline.
    page.get_by_role("link", name="Back to where it was started").click()
    page.get_by_label("Status").select_option("not_submitted")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(f"Due {deadline.isoformat()}")
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    sign_out(page, live_url)

    # Ana follows her link, signs up and sees the deadline and the message.
    open_latest_email(page, live_url, "ana@example.test")
    expect(page.get_by_text("Please submit it by")).to_be_visible()
    page.locator('a[href*="/certificates/edit/"]').first.click()
    page.get_by_role("link", name="Create an account").click()
    sign_up(page, None, None, PASSWORD)
    page.get_by_role("button", name="Connect and start writing").click()
    expect(page.get_by_text(f"Please submit by {date_format(deadline, 'DATE_FORMAT')}.")).to_be_visible()
    expect(page.get_by_text("Write about the repair café.")).to_be_visible()
    sign_out(page, live_url)

    # A few days before the deadline the periodic task reminds her; the email leads back to her page.
    Individual.objects.filter(pk=ana.pk).update(
        edit_deadline=timezone.now().date() + timedelta(days=settings.CERTIFICATES_REMINDER_DAYS)
    )
    assert send_deadline_reminders() == 1
    open_latest_email(page, live_url, "ana@example.test")
    expect(page.get_by_text("Reminder: your certificate for Bridges Volunteering")).to_be_visible()
    page.locator('a[href*="/me/certificates/"]').first.click()
    page.get_by_label("Email").fill("ana@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Your certificate for Bridges Volunteering")).to_be_visible()
    sign_out(page, live_url)

    # Bo has not connected yet: the organiser's Remind sends him a fresh link.
    sign_in(page, live_url, "organiser@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/individuals/{bo.pk}/")
    page.get_by_role("button", name="Remind Bo Berg").click()
    expect(page.get_by_text("Reminder sent to bo@example.test.")).to_be_visible()
    page.get_by_role("button", name="Remind Bo Berg").click()
    expect(page.get_by_text("already reminded")).to_be_visible()
    assert_accessible(page)
