"""Links belong to their address: signed in with one account, a person opens a link emailed to another address."""

import re
from datetime import date

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from conftest import PASSWORD, make_member, make_user
from organisations.models import Membership, Organisation, Role
from programs import services as programs
from programs.models import Enrolment, Program, ProgramRun
from tests.browser.helpers import assert_accessible, assert_fits_phone, open_latest_email, sign_in, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signed_in_as_one_account_a_person_adds_the_invited_address_and_joins(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    make_member(org, "admin@acme.test", Role.ADMIN)
    make_user("ana@example.test")

    # The admin invites Ana's work address.
    sign_in(page, live_url, "admin@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/members/")
    page.get_by_label("Email").fill("ana@work.example.test")
    page.get_by_label("Role*", exact=True).select_option("organiser")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to ana@work.example.test")).to_be_visible()
    page.context.clear_cookies()

    # Ana is signed in with her own account and opens the email sent to her work address.
    sign_in(page, live_url, "ana@example.test", PASSWORD)
    open_latest_email(page, live_url, "ana@work.example.test")
    page.get_by_role("link", name=re.compile(r"join")).click()
    main = page.locator("#main")
    expect(main).to_contain_text(
        "This link was sent to ana@work.example.test, but you are signed in as ana@example.test."
    )
    expect(page.get_by_role("button", name="Accept and join")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out and continue")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Add ana@work.example.test to my account and continue").click()
    expect(page.get_by_text("Welcome to Acme Learning")).to_be_visible()
    membership = Membership.objects.get(organisation=org, user__email="ana@example.test")
    assert membership.role == Role.ORGANISER

    # The work address is now a verified address of her account, listed with her others.
    page.goto(f"{live_url}/accounts/email/")
    expect(page.locator("#main")).to_contain_text("ana@work.example.test")
    assert EmailAddress.objects.get(email="ana@work.example.test", verified=True).user == membership.user


def test_signed_in_as_the_wrong_account_a_person_signs_out_and_continues_with_the_invited_address(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    manager = make_member(org, "manager@acme.test", Role.LEARNING_MANAGER)
    make_user("parent@example.test")
    program = Program.objects.create(organisation=org, code="MC-DATA", name="Data literacy")
    run = ProgramRun.objects.create(
        program=program, code="2026-SPRING", starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30)
    )
    from programs.tests.conftest import future

    programs.invitation_create(
        program=program,
        runs=[run],
        external_learner_id="S042",
        email="kid@example.test",
        valid_until=future(20),
        created_by=manager,
    )

    # A parent signed in on the family computer opens the invitation meant for their child.
    sign_in(page, live_url, "parent@example.test", PASSWORD)
    open_latest_email(page, live_url, "kid@example.test")
    page.get_by_role("link", name=re.compile(r"invitations.[A-Za-z0-9_-]{20,}")).click()
    expect(page.locator("#main")).to_contain_text("but you are signed in as parent@example.test")
    page.get_by_role("button", name="Sign out and continue").click()

    # Back on the link, signed out: the child creates an account with the address pre-filled.
    expect(page.get_by_role("heading", name="Join Data literacy")).to_be_visible()
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_label("Email")).to_have_value("kid@example.test")
    sign_up(page, None, None, "a-long-and-unusual-password-42")
    page.get_by_role("button", name="Accept and enrol").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    assert Enrolment.objects.get(run=run).user.email == "kid@example.test"
    assert not Enrolment.objects.filter(user__email="parent@example.test").exists()


def test_a_link_to_an_address_another_account_owns_is_refused_until_that_account_signs_in(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    admin = make_member(org, "admin@acme.test", Role.ADMIN)
    make_user("learner@example.test")
    make_user("colleague@example.test")
    from organisations.services import member_invite

    member_invite(organisation=org, email="colleague@example.test", role=Role.ADMIN, invited_by=admin)

    sign_in(page, live_url, "learner@example.test", PASSWORD)
    open_latest_email(page, live_url, "colleague@example.test")
    page.get_by_role("link", name=re.compile(r"join")).click()
    expect(page.locator("#main")).to_contain_text("that address belongs to another account")
    expect(page.get_by_role("button", name="Accept and join")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Add "))).to_have_count(0)
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Sign out and continue").click()

    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Email").fill("colleague@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Accept and join").click()
    expect(page.get_by_text("Welcome to Acme Learning")).to_be_visible()
    assert not Membership.objects.filter(user__email="learner@example.test").exists()
    assert Membership.objects.get(user__email="colleague@example.test").role == Role.ADMIN
