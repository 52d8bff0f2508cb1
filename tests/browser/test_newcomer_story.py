"""The foundation's story: sign up, confirm, create an organisation, invite a colleague who joins."""

import re

import pytest
from playwright.sync_api import expect

from organisations.models import Membership, Role
from tests.browser.helpers import open_latest_email, sign_out, sign_up

PASSWORD = "a-long-and-unusual-password-42"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_signs_up_creates_an_organisation_and_a_colleague_joins(page, live_url):
    # Sign up and confirm the address from the development mailbox.
    sign_up(page, live_url, "founder@example.test", PASSWORD)
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    open_latest_email(page, live_url, "founder@example.test")
    page.get_by_role("link", name=re.compile(r"confirm-email")).click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()

    # Create an organisation.
    page.get_by_role("link", name="Create an organisation").first.click()
    page.get_by_label("Name").fill("River Youth Centre")
    page.get_by_role("button", name="Create organisation").click()
    expect(page.get_by_role("heading", name="River Youth Centre")).to_be_visible()

    # Invite a colleague as organiser.
    page.get_by_role("link", name="Members").click()
    page.get_by_label("Email").fill("colleague@example.test")
    page.get_by_label("Role*", exact=True).select_option("organiser")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to colleague@example.test")).to_be_visible()
    expect(page.get_by_text("Email sent")).to_be_visible()
    sign_out(page, live_url)

    # The colleague follows the emailed link, signs up (email pre-filled) and lands in the organisation.
    open_latest_email(page, live_url, "colleague@example.test")
    page.get_by_role("link", name=re.compile(r"join")).click()
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_label("Email")).to_have_value("colleague@example.test")
    sign_up(page, None, None, PASSWORD)
    page.get_by_role("button", name="Accept and join").click()
    expect(page.get_by_text("Welcome to River Youth Centre")).to_be_visible()
    expect(page.get_by_role("heading", name="River Youth Centre")).to_be_visible()

    membership = Membership.objects.get(user__email="colleague@example.test")
    assert membership.role == Role.ORGANISER
    assert membership.organisation.name == "River Youth Centre"
