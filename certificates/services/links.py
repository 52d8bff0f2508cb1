"""Emailed links: connect and invite to edit, using a link, disconnecting a wrong account."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import content
from certificates.models import AuditEntry, Individual, IndividualInvitation
from certificates.services.common import CertificatesError, Status, audit, lock_individual, require_status
from certificates.services.emails import learner_context
from learnerpass.lib.links import require_link_address
from learnerpass.lib.urls import absolute_url
from outbox.services import email_queue

LINK_LIFETIME = timedelta(days=30)


def _new_invitation(individual: Individual, kind: str, by, message: str = "") -> tuple[IndividualInvitation, str]:
    # A fresh link replaces any earlier one of the same kind.
    IndividualInvitation.objects.filter(
        individual=individual, kind=kind, status=IndividualInvitation.Status.PENDING
    ).update(status=IndividualInvitation.Status.CANCELED)
    invitation = IndividualInvitation(
        individual=individual,
        kind=kind,
        message=message,
        created_by=by,
        expires_at=timezone.now() + LINK_LIFETIME,
    )
    raw = invitation.issue_token()
    invitation.save()
    return invitation, raw


@transaction.atomic
def individual_send_connect(*, individual: Individual, sent_by, batch: str = "") -> IndividualInvitation:
    """Email a connect link (again); `batch` names the bulk action that sent it, in the audit trail."""
    individual = lock_individual(individual)
    if individual.user_id:
        raise CertificatesError(_("%(name)s is already connected.") % {"name": individual.full_name})
    invitation, raw = _new_invitation(individual, IndividualInvitation.Kind.CONNECT, sent_by)
    individual.connect_sent_at = timezone.now()
    individual.save(update_fields=["connect_sent_at"])
    email_queue(
        to=individual.email,
        template="certificates/connect",
        context={
            **learner_context(individual),
            "url": absolute_url("certificates:connect", token=raw),
            "expires_at": invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        },
        kind="certificates_connect",
        ref=individual,
        language=individual.project.language,
    )
    audit(individual, sent_by, AuditEntry.Action.CONNECT_SENT, email=individual.email, **_batch(batch))
    return invitation


def _batch(batch: str) -> dict:
    return {"batch": batch} if batch else {}


def edit_link_email(individual: Individual, raw: str, invitation: IndividualInvitation) -> None:
    email_queue(
        to=individual.email,
        template="certificates/edit_invitation",
        context={
            **learner_context(individual),
            "message": individual.edit_message,
            "deadline": individual.edit_deadline.isoformat() if individual.edit_deadline else "",
            "url": absolute_url("certificates:edit_link", token=raw),
            "expires_at": invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        },
        kind="certificates_edit",
        ref=individual,
        language=individual.project.language,
    )


@transaction.atomic
def individual_invite_to_edit(
    *, individual: Individual, invited_by, message: str = "", deadline: date | None = None, batch: str = ""
) -> IndividualInvitation:
    """Open the data for the learner (not_invited or accepted → editing) or send the link again.

    `deadline` (optional, not in the past) is shown to the learner and in the email; a reminder goes out a
    few days before it. Sending again replaces the message and the deadline.
    """
    if deadline is not None and deadline < timezone.now().date():
        raise CertificatesError(_("The deadline cannot be in the past."))
    individual = lock_individual(individual)
    if not individual.connect_sent_at and not individual.user_id:
        raise CertificatesError(_("Send the connect invitation first."))
    require_status(
        individual,
        Status.NOT_INVITED,
        Status.EDITING,
        Status.CHANGES_REQUESTED,
        Status.ACCEPTED,
        message=_("The learner has submitted; review the submission first."),
    )
    invitation, raw = _new_invitation(individual, IndividualInvitation.Kind.EDIT, invited_by, message.strip())
    previous = individual.status
    if previous in (Status.NOT_INVITED, Status.ACCEPTED):
        individual.status = Status.EDITING
        individual.draft_data = content.clean_data(individual.accepted_data)
        individual.review_comments = {}
        individual.previous_submitted_data = {}
    individual.edit_message = message.strip()
    individual.edit_deadline = deadline
    individual.edit_invited_at = timezone.now()
    individual.save(
        update_fields=[
            "status",
            "draft_data",
            "review_comments",
            "previous_submitted_data",
            "edit_message",
            "edit_deadline",
            "edit_invited_at",
        ]
    )
    edit_link_email(individual, raw, invitation)
    audit(
        individual,
        invited_by,
        AuditEntry.Action.EDIT_INVITED,
        message=individual.edit_message,
        previous=previous,
        **({"deadline": deadline.isoformat()} if deadline else {}),
        **_batch(batch),
    )
    return invitation


def invitation_problem(invitation: IndividualInvitation | None, user=None) -> str | None:
    """Why a link cannot be used, or None when it can."""
    if invitation is None:
        return _("This link is not valid. Ask the organisers for a new one.")
    if invitation.status == IndividualInvitation.Status.USED:
        return _("This link has already been used. You find your certificate data under “My learning”.")
    if invitation.status == IndividualInvitation.Status.CANCELED:
        return _("This link was replaced by a newer one. Use the link in the latest email.")
    if invitation.is_expired:
        return _("This link has expired. Ask the organisers for a new one.")
    individual = invitation.individual
    if user is not None and individual.user_id and individual.user_id != user.pk:
        return _("This certificate is already connected to another account.")
    return None


def _connect(individual: Individual, user) -> None:
    if individual.user_id == user.pk:
        return
    if individual.user_id:
        raise CertificatesError(_("This certificate is already connected to another account."))
    if Individual.objects.filter(project_id=individual.project_id, user=user).exists():
        raise CertificatesError(_("Your account is already connected to someone else in this project."))
    individual.user = user
    individual.connected_at = timezone.now()
    individual.save(update_fields=["user", "connected_at"])
    audit(individual, user, AuditEntry.Action.CONNECTED, email=user.email)


@transaction.atomic
def invitation_use(*, token: str, user, add_address: bool = False) -> Individual:
    """Follow a connect or edit link: connect the account that owns the individual's address; single use.

    With add_address, an address no account owns is first added to `user`. The account already
    connected to the individual needs no address check: the link gives it nothing new.
    """
    invitation = IndividualInvitation.by_token(token).select_for_update().first()
    if invitation is not None:
        invitation.individual = lock_individual(invitation.individual)
    problem = invitation_problem(invitation, user)
    if problem:
        raise CertificatesError(problem)
    individual = invitation.individual
    if individual.user_id != user.pk:
        require_link_address(user=user, email=individual.email, add_address=add_address, error=CertificatesError)
    _connect(individual, user)
    invitation.status = IndividualInvitation.Status.USED
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["status", "used_at", "used_by"])
    return individual


@transaction.atomic
def individual_disconnect(*, individual: Individual, disconnected_by) -> Individual:
    """Undo a connection made by the wrong account (a mistyped address, someone else's computer).

    What that account wrote and did not get accepted is dropped, pending links die and the individual
    goes back to the last accepted state, so the right person starts from a fresh connect invitation.
    """
    individual = lock_individual(individual)
    if not individual.user_id:
        raise CertificatesError(_("No account is connected."))
    account = individual.user.email
    IndividualInvitation.objects.filter(individual=individual, status=IndividualInvitation.Status.PENDING).update(
        status=IndividualInvitation.Status.CANCELED
    )
    previous = individual.status
    if individual.status != Status.ACCEPTED:
        individual.status = Status.ACCEPTED if individual.accepted_at else Status.NOT_INVITED
    individual.user = None
    individual.connected_at = individual.connect_sent_at = None
    individual.draft_data, individual.submitted_data, individual.review_comments = {}, {}, {}
    individual.previous_submitted_data = {}
    individual.save(
        update_fields=[
            "status",
            "user",
            "connected_at",
            "connect_sent_at",
            "draft_data",
            "submitted_data",
            "previous_submitted_data",
            "review_comments",
        ]
    )
    audit(individual, disconnected_by, AuditEntry.Action.DISCONNECTED, email=account, previous=previous)
    return individual
