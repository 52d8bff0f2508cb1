from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from learnerpass.lib import images
from learnerpass.lib.actions import UserError
from learnerpass.lib.links import require_link_address
from learnerpass.lib.storage import PUBLIC, delete_on_commit
from learnerpass.lib.urls import absolute_url
from organisations.models import MemberInvitation, Membership, Organisation, Role
from outbox.services import email_queue

INVITATION_LIFETIME = timedelta(days=14)
LOGO_MAX_SIDE = 600


class OrganisationsError(UserError):
    """A refused action; the message is shown to the user."""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "org"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organisation_create(
    *, user, name: str, contact_email: str = "", website: str = "", description: str = ""
) -> Organisation:
    org = Organisation.objects.create(
        name=name.strip(),
        slug=_unique_slug(name),
        contact_email=contact_email or user.email,
        website=website,
        description=description,
    )
    Membership.objects.create(organisation=org, user=user, role=Role.ADMIN)
    return org


@transaction.atomic
def organisation_update(*, organisation: Organisation, data: dict) -> Organisation:
    """Save the profile (also the Open Badges issuer profile and the logo on certificates).

    A new logo (checked by the form) is stored once, shrunk to LOGO_MAX_SIDE as a PNG, so no
    certificate or page ever decodes the uploaded size; the replaced one is deleted.
    """
    data = dict(data)
    logo = data.pop("logo", None)
    for name, value in data.items():
        Organisation._meta.get_field(name).save_form_data(organisation, value)
    # The form may have put the upload on the instance already; what is stored is in the database.
    old = Organisation.objects.filter(pk=organisation.pk).values_list("logo", flat=True).first() or ""
    if logo is False:  # cleared
        organisation.logo = ""
    elif isinstance(logo, UploadedFile):
        logo.seek(0)
        try:
            shrunk = images.downscale_to_png(logo.read(), max_side=LOGO_MAX_SIDE)
        except (images.UploadedImageError, OSError, ValueError):
            raise OrganisationsError(_("The logo could not be read. Upload a PNG, JPEG or WebP file.")) from None
        organisation.logo.save("logo.png", ContentFile(shrunk), save=False)
    else:
        organisation.logo = old
    if old != organisation.logo.name:
        delete_on_commit(PUBLIC, old)
    organisation.full_clean()
    organisation.save()
    return organisation


def _send_member_invitation(invitation: MemberInvitation, raw_token: str) -> None:
    email_queue(
        to=invitation.email,
        template="organisations/member_invitation",
        context={
            "organisation": invitation.organisation.name,
            "role": invitation.get_role_display(),
            "invited_by": invitation.invited_by.email if invitation.invited_by else "",
            "url": absolute_url("organisations:invitation", token=raw_token),
            "expires_at": invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        },
        kind="member_invitation",
        ref=invitation,
    )


@transaction.atomic
def member_invite(*, organisation: Organisation, email: str, role: str, invited_by) -> MemberInvitation:
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise OrganisationsError(_("%(email)s is already a member.") % {"email": email})
    if MemberInvitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        status=MemberInvitation.Status.PENDING,
        expires_at__gt=timezone.now(),
    ).exists():
        raise OrganisationsError(_("%(email)s already has a pending invitation.") % {"email": email})
    invitation = MemberInvitation(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    raw = invitation.issue_token()
    invitation.save()
    _send_member_invitation(invitation, raw)
    return invitation


@transaction.atomic
def member_invitation_resend(*, invitation: MemberInvitation) -> MemberInvitation:
    """Issue a fresh link (the old one stops working) and email it again."""
    invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != MemberInvitation.Status.PENDING:
        raise OrganisationsError(_("Only a pending invitation can be sent again."))
    raw = invitation.issue_token()
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    invitation.save(update_fields=["token_hash", "expires_at"])
    _send_member_invitation(invitation, raw)
    return invitation


@transaction.atomic
def member_invitation_cancel(*, invitation: MemberInvitation) -> MemberInvitation:
    invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != MemberInvitation.Status.PENDING:
        raise OrganisationsError(_("This invitation is no longer pending."))
    invitation.status = MemberInvitation.Status.CANCELED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return invitation


def member_invitation_problem(invitation: MemberInvitation | None) -> str | None:
    """Why a link cannot be used, or None when it can."""
    if invitation is None:
        return _("This invitation link is not valid. Ask for a new one.")
    if invitation.status == MemberInvitation.Status.ACCEPTED:
        return _("This invitation has already been used.")
    if invitation.status == MemberInvitation.Status.CANCELED:
        return _("This invitation was canceled.")
    if invitation.is_expired:
        return _("This invitation has expired. Ask for a new one.")
    return None


@transaction.atomic
def member_invitation_accept(*, token: str, user, add_address: bool = False) -> Membership:
    """Make the account that owns the invited address a member (links belong to their address:
    with add_address, an address no account owns is first added to `user`)."""
    invitation = MemberInvitation.by_token(token).select_for_update().select_related("organisation").first()
    problem = member_invitation_problem(invitation)
    if problem:
        raise OrganisationsError(problem)
    require_link_address(user=user, email=invitation.email, add_address=add_address, error=OrganisationsError)
    membership = Membership.objects.filter(organisation=invitation.organisation, user=user).first()
    if membership is None:
        membership = Membership.objects.create(organisation=invitation.organisation, user=user, role=invitation.role)
    invitation.status = MemberInvitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "decided_at"])
    return membership


def _admin_count(organisation: Organisation) -> int:
    return Membership.objects.filter(organisation=organisation, role=Role.ADMIN).count()


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    # Lock the organisation's admins so two demotions cannot both pass the check.
    list(Membership.objects.select_for_update().filter(organisation_id=membership.organisation_id, role=Role.ADMIN))
    if membership.role == Role.ADMIN and role != Role.ADMIN and _admin_count(membership.organisation) <= 1:
        raise OrganisationsError(_("An organisation needs at least one admin."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    list(Membership.objects.select_for_update().filter(organisation_id=membership.organisation_id, role=Role.ADMIN))
    if membership.role == Role.ADMIN and _admin_count(membership.organisation) <= 1:
        raise OrganisationsError(_("The last admin cannot be removed."))
    membership.delete()
