"""Links belong to their address, for every kind of emailed link.

A link emailed to an address gives its effect to the account that owns that address. Signed in
with another account, the person may add the address to it (the link proves it is theirs) or sign
out and continue; when another account owns the address, accepting is refused.
"""

from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from badges.models import Assertion
from badges.tests.conftest import publish_activity
from certificates import services as certificates
from certificates.models import IndividualInvitation
from certificates.tests.factories import make_individual, make_project
from conftest import make_member, make_user
from organisations.models import MemberInvitation, Membership, Role
from organisations.services import member_invite
from programs.models import Enrolment, LearnerLink
from programs.tests.conftest import make_program, make_run
from programs.tests.helpers import invite as program_invite

INVITED = "invited@example.test"
KINDS = ["member", "program", "certificate_connect", "certificate_edit", "badge"]


@dataclass
class Link:
    url: str
    accepted_by: callable  # user -> bool: did the link's effect reach this account?
    button: str


def _member_link(org, admin, email) -> Link:
    invitation = member_invite(organisation=org, email=email, role=Role.ADMIN, invited_by=admin)
    raw = invitation.issue_token()
    invitation.save()
    return Link(
        reverse("organisations:invitation", kwargs={"token": raw}),
        lambda user: Membership.objects.filter(organisation=org, user=user).exists(),
        "Accept and join",
    )


def _program_link(org, admin, email) -> Link:
    program = make_program(org)
    _, raw = program_invite(program, [make_run(program)], email=email)
    return Link(
        reverse("programs:invitation", kwargs={"token": raw}),
        lambda user: Enrolment.objects.filter(user=user).exists() and LearnerLink.objects.filter(user=user).exists(),
        "Accept and enrol",
    )


def _certificate_link(org, admin, email, kind) -> Link:
    individual = make_individual(make_project(org), email=email)
    certificates.individual_send_connect(individual=individual, sent_by=admin)
    if kind == "edit":
        certificates.individual_invite_to_edit(individual=individual, invited_by=admin)
    invitation = IndividualInvitation.objects.get(individual=individual, kind=kind, status="pending")
    raw = invitation.issue_token()
    invitation.save()
    name = "certificates:connect" if kind == "connect" else "certificates:edit_link"

    def connected(user):
        individual.refresh_from_db()
        return individual.user_id == user.pk

    return Link(
        reverse(name, kwargs={"token": raw}),
        connected,
        "Connect my account" if kind == "connect" else "Connect and start writing",
    )


def _badge_link(org, admin, email) -> Link:
    from badges import services as badges
    from badges.models import AssertionClaim

    badge = publish_activity(org, admin).badge
    badges.badge_issue_to_emails(badge=badge, text=email, issued_by=admin)
    claim = AssertionClaim.objects.get(assertion__recipient_email=email)
    raw = claim.issue_token()
    claim.save()
    return Link(
        reverse("badges:accept", kwargs={"token": raw}),
        lambda user: Assertion.objects.filter(badge=badge, recipient=user).exists(),
        "Add to my account",
    )


@pytest.fixture
def make_link(org):
    admin = make_member(org, "boss@acme.test", Role.ADMIN)

    def _make(kind: str, email: str = INVITED) -> Link:
        if kind == "member":
            return _member_link(org, admin, email)
        if kind == "program":
            return _program_link(org, admin, email)
        if kind.startswith("certificate_"):
            return _certificate_link(org, admin, email, kind.removeprefix("certificate_"))
        return _badge_link(org, admin, email)

    return _make


def verified(user, email=INVITED) -> bool:
    return EmailAddress.objects.filter(user=user, email=email, verified=True).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_an_account_with_another_address_cannot_accept_a_link_sent_to_someone_else(client, make_link, learner, kind):
    link = make_link(kind)
    client.force_login(learner)
    response = client.post(link.url, follow=True)
    assert not link.accepted_by(learner)
    assert not verified(learner)
    assert "which is not an address of your account" in response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_signed_in_with_another_account_the_person_is_told_and_offered_to_add_the_address_or_sign_out(
    client, make_link, learner, kind
):
    link = make_link(kind)
    client.force_login(learner)
    body = client.get(link.url).content.decode()
    assert "This link was sent to <strong>invited@example.test</strong>" in body
    assert "you are signed in as <strong>learner@example.test</strong>" in body
    assert 'name="add_address" value="1"' in body
    assert "Add invited@example.test to my account and continue" in body
    assert f'action="{reverse("account_logout")}"' in body and f'name="next" value="{link.url}"' in body
    assert link.button not in body  # no plain accept for an account that does not own the address


@pytest.mark.parametrize("kind", KINDS)
def test_adding_the_invited_address_makes_it_a_verified_address_of_the_account_and_accepts(
    client, make_link, learner, kind
):
    link = make_link(kind)
    client.force_login(learner)
    client.post(link.url, {"add_address": "1"})
    assert link.accepted_by(learner)
    address = EmailAddress.objects.get(email=INVITED)
    assert address.user == learner and address.verified and not address.primary
    assert EmailAddress.objects.get(user=learner, primary=True).email == learner.email
    learner.refresh_from_db()
    assert learner.email == "learner@example.test"  # the account's own address stays its login


@pytest.mark.parametrize("kind", KINDS)
def test_when_another_account_owns_the_address_accepting_is_refused_even_when_asking_to_add_it(
    client, make_link, learner, kind
):
    owner = make_user(INVITED)
    link = make_link(kind)
    client.force_login(learner)
    body = client.get(link.url).content.decode()
    assert "that address belongs to another account" in body
    assert 'name="add_address"' not in body and link.button not in body
    response = client.post(link.url, {"add_address": "1"}, follow=True)
    assert "belongs to another account" in response.content.decode()
    assert not link.accepted_by(learner)
    assert EmailAddress.objects.get(email=INVITED).user == owner
    # The owner still can.
    client.force_login(owner)
    client.post(link.url)
    assert link.accepted_by(owner)


@pytest.mark.parametrize("kind", KINDS)
def test_the_owner_of_the_address_accepts_with_one_button_also_through_a_second_verified_address(
    client, make_link, learner, kind
):
    EmailAddress.objects.create(user=learner, email=INVITED, verified=True, primary=False)
    link = make_link(kind)
    client.force_login(learner)
    body = client.get(link.url).content.decode()
    assert link.button in body and "This link was sent to" not in body
    client.post(link.url)
    assert link.accepted_by(learner)


@pytest.mark.parametrize("kind", KINDS)
def test_an_unverified_claim_on_the_address_by_another_account_does_not_block_the_link(
    client, make_link, learner, kind
):
    squatter = get_user_model().objects.create_user(username="squat", email="squat@example.test")
    EmailAddress.objects.create(user=squatter, email=INVITED, verified=False, primary=False)
    link = make_link(kind)
    client.force_login(learner)
    client.post(link.url, {"add_address": "1"})
    assert link.accepted_by(learner) and verified(learner)


@pytest.mark.parametrize("kind", KINDS)
def test_a_signed_out_visitor_signs_up_with_the_address_pre_filled_and_verified_then_accepts(client, make_link, kind):
    link = make_link(kind)
    body = client.get(link.url).content.decode()
    assert "email=invited%40example.test" in body
    assert client.session["account_verified_email"] == INVITED
    response = client.post(
        reverse("account_signup"),
        {"email": INVITED, "password1": "a-long-password-77", "password2": "a-long-password-77"},
    )
    assert response.status_code == 302  # signed in at once: the address counts as verified
    user = get_user_model().objects.get(email=INVITED)
    assert verified(user)
    assert link.button in client.get(link.url).content.decode()
    client.post(link.url)
    assert link.accepted_by(user)


@pytest.mark.parametrize("kind", KINDS)
def test_signing_out_from_the_wrong_account_comes_back_to_the_link(client, make_link, learner, kind):
    link = make_link(kind)
    client.force_login(learner)
    response = client.post(reverse("account_logout"), {"next": link.url})
    assert response["Location"] == link.url
    body = client.get(link.url).content.decode()
    assert "Create an account" in body and "Sign in" in body
    assert not link.accepted_by(learner)


def test_a_learner_cannot_become_admin_through_an_invitation_meant_for_someone_else(client, org, make_link, learner):
    """The reported case: a learner holding a copy of an admin invitation joined the organisation."""
    link = make_link("member", email="new.colleague@example.test")
    client.force_login(learner)
    client.get(link.url)
    client.post(link.url)
    assert not Membership.objects.filter(user=learner).exists()
    assert MemberInvitation.objects.get().status == MemberInvitation.Status.PENDING


def _accept_service(kind):
    from badges.services import assertion_claim_accept
    from certificates.services import invitation_use
    from organisations.services import member_invitation_accept
    from programs.services import invitation_accept

    return {
        "member": member_invitation_accept,
        "program": invitation_accept,
        "certificate_connect": invitation_use,
        "certificate_edit": invitation_use,
        "badge": assertion_claim_accept,
    }[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_the_accepting_service_itself_enforces_the_rule(make_link, learner, kind):
    from learnerpass.lib.actions import UserError

    link = make_link(kind)
    token = link.url.rstrip("/").rsplit("/", 1)[-1]
    accept = _accept_service(kind)
    with pytest.raises(UserError, match="not an address of your account"):
        accept(token=token, user=learner)
    assert not link.accepted_by(learner) and not verified(learner)
    accept(token=token, user=learner, add_address=True)
    assert link.accepted_by(learner) and verified(learner)
