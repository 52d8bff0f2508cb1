from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import make_member
from organisations.models import MemberInvitation, Membership, Role
from organisations.services import member_invite
from outbox.models import Email


def url(name, org, **kwargs):
    return reverse(f"organisations:{name}", kwargs={"org_slug": org.slug, **kwargs})


def invite(org, by, email="new@example.test", role=Role.ORGANISER):
    return member_invite(organisation=org, email=email, role=role, invited_by=by)


def _raw_token(org, by, **kwargs):
    invitation = invite(org, by, **kwargs)
    raw = invitation.issue_token()
    invitation.save()
    return invitation, raw


def test_creating_an_organisation_makes_the_creator_its_admin(login, learner):
    response = login(learner).post(reverse("organisations:create"), {"name": "Blue Sky Learning"})
    membership = Membership.objects.get(user=learner)
    assert membership.role == Role.ADMIN
    assert membership.organisation.slug == "blue-sky-learning"
    assert response.status_code == 302


def test_two_organisations_with_one_name_get_distinct_slugs(login, learner, other_learner):
    login(learner).post(reverse("organisations:create"), {"name": "Same"})
    login(other_learner).post(reverse("organisations:create"), {"name": "Same"})
    assert sorted(Membership.objects.values_list("organisation__slug", flat=True)) == ["same", "same-2"]


def test_an_admin_invites_a_colleague_and_an_email_is_queued(login, org, org_admin):
    response = login(org_admin).post(url("member_invite", org), {"email": "New@Example.test", "role": "organiser"})
    assert response.status_code == 302
    invitation = MemberInvitation.objects.get()
    assert invitation.email == "new@example.test"
    assert invitation.status == MemberInvitation.Status.PENDING
    email = Email.objects.get(kind="member_invitation")
    assert email.to == "new@example.test"
    assert email.ref_type == "organisations.memberinvitation" and email.ref_id == invitation.pk
    link = email.context["url"]
    assert "/join/" in link
    # only the hash of the token is stored
    assert link.rsplit("/join/", 1)[1].strip("/") != invitation.token_hash


def test_inviting_an_existing_member_is_refused(login, org, org_admin, organiser):
    response = login(org_admin).post(
        url("member_invite", org), {"email": organiser.email, "role": "admin"}, follow=True
    )
    assert "already a member" in response.content.decode()
    assert not MemberInvitation.objects.exists()


def test_inviting_twice_is_refused_while_the_first_is_pending(login, org, org_admin):
    client = login(org_admin)
    client.post(url("member_invite", org), {"email": "a@example.test", "role": "organiser"})
    response = client.post(url("member_invite", org), {"email": "a@example.test", "role": "organiser"}, follow=True)
    assert "already has a pending invitation" in response.content.decode()
    assert MemberInvitation.objects.count() == 1


def test_an_invalid_invitation_form_changes_nothing(login, org, org_admin):
    response = login(org_admin).post(url("member_invite", org), {"email": "nope", "role": "boss"}, follow=True)
    assert "Enter a valid email" in response.content.decode()
    assert not MemberInvitation.objects.exists()


def test_the_members_page_lists_members_and_pending_invitations_with_email_status(
    login, org, org_admin, organiser, django_assert_num_queries
):
    for i in range(3):
        invite(org, org_admin, email=f"p{i}@example.test")
    client = login(org_admin)
    client.get(url("members", org))  # warm the session
    # session, user, the user's memberships (access and navigation), the organisation's memberships,
    # invitations, emails
    with django_assert_num_queries(6):
        response = client.get(url("members", org))
    for i in range(6):
        invite(org, org_admin, email=f"q{i}@example.test")
    with django_assert_num_queries(6):
        response = client.get(url("members", org))
    assert "q5@example.test" in response.content.decode()
    assert "Email queued" in response.content.decode() or "Email sent" in response.content.decode()


def test_following_the_link_shows_a_confirm_button_and_joins_only_on_post(client, org, org_admin, learner):
    invitation, raw = _raw_token(org, org_admin, email=learner.email)
    client.force_login(learner)
    response = client.get(reverse("organisations:invitation", kwargs={"token": raw}))
    assert response.status_code == 200
    assert "Accept and join" in response.content.decode()
    assert not Membership.objects.filter(user=learner).exists()
    response = client.post(reverse("organisations:invitation", kwargs={"token": raw}))
    assert response.status_code == 302
    assert Membership.objects.get(user=learner).role == Role.ORGANISER
    invitation.refresh_from_db()
    assert invitation.status == MemberInvitation.Status.ACCEPTED and invitation.accepted_by == learner


def test_a_signed_out_visitor_is_offered_sign_up_with_the_email_pre_filled(client, org, org_admin):
    invitation, raw = _raw_token(org, org_admin)
    response = client.get(reverse("organisations:invitation", kwargs={"token": raw}))
    body = response.content.decode()
    assert "email=new%40example.test" in body
    assert client.session["account_verified_email"] == "new@example.test"


@pytest.mark.parametrize("state", ["used", "canceled", "expired"])
def test_a_used_canceled_or_expired_link_shows_an_error_and_joins_nothing(client, org, org_admin, learner, state):
    invitation, raw = _raw_token(org, org_admin)
    if state == "used":
        invitation.status = MemberInvitation.Status.ACCEPTED
    elif state == "canceled":
        invitation.status = MemberInvitation.Status.CANCELED
    else:
        invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()
    client.force_login(learner)
    link = reverse("organisations:invitation", kwargs={"token": raw})
    assert client.get(link).status_code == 410
    response = client.post(link)
    assert response.status_code == 410
    assert "cannot be used" in response.content.decode()
    assert not Membership.objects.filter(user=learner).exists()


def test_an_unknown_token_is_not_found(client, db):
    assert client.get(reverse("organisations:invitation", kwargs={"token": "nope"})).status_code == 404


def test_resend_issues_a_fresh_link_and_kills_the_old_one(login, org, org_admin, learner):
    invitation, old = _raw_token(org, org_admin)
    login(org_admin).post(url("invitation_resend", org, pk=invitation.pk))
    assert Email.objects.filter(kind="member_invitation").count() == 2
    assert not MemberInvitation.by_token(old).exists()
    new_link = Email.objects.filter(kind="member_invitation").order_by("-id").first().context["url"]
    assert MemberInvitation.by_token(new_link.rstrip("/").rsplit("/", 1)[1]).exists()


def test_cancel_turns_pending_into_canceled_and_refuses_twice(login, org, org_admin):
    invitation = invite(org, org_admin)
    client = login(org_admin)
    client.post(url("invitation_cancel", org, pk=invitation.pk))
    invitation.refresh_from_db()
    assert invitation.status == MemberInvitation.Status.CANCELED
    response = client.post(url("invitation_cancel", org, pk=invitation.pk), follow=True)
    assert "no longer pending" in response.content.decode()


def test_an_admin_changes_a_role(login, org, org_admin, organiser):
    membership = Membership.objects.get(user=organiser)
    login(org_admin).post(url("member_role", org, pk=membership.pk), {"role": "learning_manager"})
    membership.refresh_from_db()
    assert membership.role == Role.LEARNING_MANAGER


def test_the_last_admin_cannot_be_demoted_or_removed(login, org, org_admin):
    membership = Membership.objects.get(user=org_admin)
    client = login(org_admin)
    response = client.post(url("member_role", org, pk=membership.pk), {"role": "organiser"}, follow=True)
    assert "at least one admin" in response.content.decode()
    response = client.post(url("member_remove", org, pk=membership.pk), follow=True)
    assert "last admin cannot be removed" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_an_admin_can_step_down_when_another_admin_remains(login, org, org_admin):
    make_member(org, "second@acme.test", Role.ADMIN)
    membership = Membership.objects.get(user=org_admin)
    login(org_admin).post(url("member_remove", org, pk=membership.pk))
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_members_of_another_organisation_cannot_be_touched(login, org, org_admin, outsider):
    foreign = Membership.objects.get(user=outsider)
    response = login(org_admin).post(url("member_remove", org, pk=foreign.pk))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_admin_updates_the_organisation_profile(login, org, org_admin):
    response = login(org_admin).post(
        url("settings", org),
        {"name": "Acme Learning Ltd", "contact_email": "x@acme.test", "website": "", "description": "d"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Acme Learning Ltd"


def test_a_signed_in_visitor_with_another_address_is_told_before_joining(client, org, org_admin, learner):
    invitation, raw = _raw_token(org, org_admin)  # sent to new@example.test
    client.force_login(learner)
    body = client.get(reverse("organisations:invitation", kwargs={"token": raw})).content.decode()
    assert "This link was sent to <strong>new@example.test</strong>, but you are signed in as" in body
    assert "Accepting makes the account you are signed in with a member." in body
    assert "Add new@example.test to my account and continue" in body


def test_the_invited_person_signed_in_sees_no_warning(client, org, org_admin, learner):
    invitation, raw = _raw_token(org, org_admin, email=learner.email)
    client.force_login(learner)
    body = client.get(reverse("organisations:invitation", kwargs={"token": raw})).content.decode()
    assert "but you are signed in as" not in body and "Accept and join" in body


def _png(size=(4, 4), fmt="PNG"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format=fmt)
    return SimpleUploadedFile(f"logo.{fmt.lower()}", buffer.getvalue())


def _profile(**extra):
    return {"name": "Acme Learning", "contact_email": "x@acme.test", "website": "", "description": "", **extra}


def test_admin_uploads_a_png_logo(login, org, org_admin):
    response = login(org_admin).post(url("settings", org), _profile(logo=_png()))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.logo.name.endswith(".png")


@pytest.mark.parametrize(
    "upload, message",
    [
        (lambda: _png(fmt="BMP"), "Upload the logo as PNG, JPEG or WebP."),
        (lambda: SimpleUploadedFile("logo.png", b"not an image"), "The image could not be read."),
    ],
)
def test_a_logo_that_is_not_a_usable_image_is_refused_and_nothing_changes(login, org, org_admin, upload, message):
    response = login(org_admin).post(url("settings", org), _profile(name="Changed", logo=upload()))
    assert response.status_code == 200
    assert message in response.content.decode()
    org.refresh_from_db()
    assert org.name == "Acme Learning" and not org.logo


def test_an_oversize_logo_is_refused_and_nothing_changes(login, org, org_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    padded = SimpleUploadedFile("logo.png", _png().read() + b"\0" * (2 * 1024 * 1024))
    response = login(org_admin).post(url("settings", org), _profile(name="Changed", logo=padded))
    assert "The logo must be 2 MB or smaller." in response.content.decode()
    org.refresh_from_db()
    assert org.name == "Acme Learning" and not org.logo


def test_an_empty_organisation_name_is_refused(login, learner):
    response = login(learner).post(reverse("organisations:create"), {"name": ""})
    assert response.status_code == 200
    assert not Membership.objects.filter(user=learner).exists()


def test_an_expired_pending_invitation_is_marked_for_resending(login, org, org_admin):
    invitation = invite(org, org_admin)
    MemberInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "expired: resend" in login(org_admin).get(url("members", org)).content.decode()
