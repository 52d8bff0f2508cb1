"""An admin's members page: cancelling a colleague's invitation asks first, as every other cancel does."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, make_member
from organisations import services
from organisations.models import MemberInvitation, Organisation, Role
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cancelling_a_member_invitation_asks_first_and_a_no_keeps_it(page, live_url):
    org = Organisation.objects.create(name="Acme Learning", slug="acme")
    admin = make_member(org, "admin@acme.test", Role.ADMIN)
    services.member_invite(organisation=org, email="colleague@example.test", role=Role.ORGANISER, invited_by=admin)
    sign_in(page, live_url, "admin@acme.test", PASSWORD)
    page.goto(f"{live_url}/o/acme/members/")
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_text("colleague@example.test")).to_be_visible()
    assert questions == ["Cancel the invitation of colleague@example.test? Its link will stop working."]
    assert MemberInvitation.objects.get().status == MemberInvitation.Status.PENDING

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    assert MemberInvitation.objects.get().status == MemberInvitation.Status.CANCELED
