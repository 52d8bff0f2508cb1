"""Invite one learner, resend, cancel, accept; expire; enrol directly."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from learnerpass.lib.links import require_link_address
from learnerpass.lib.urls import absolute_url
from organisations.models import Organisation
from outbox.services import email_queue, emails_queue
from programs.models import (
    Enrolment,
    Invitation,
    InvitationRun,
    LearnerLink,
    Program,
    ProgramRun,
)
from programs.services.common import (
    LinkMaker,
    ProgramsError,
    invitation_email,
    link_expiry,
    normalise_email,
    run_line,
)


def _pending_runs_for(*, organisation: Organisation, external_learner_id: str, runs) -> list[ProgramRun]:
    now = timezone.now()
    run_ids = set(
        InvitationRun.objects.filter(
            run__in=runs,
            invitation__organisation=organisation,
            invitation__external_learner_id=external_learner_id,
            invitation__status=Invitation.Status.PENDING,
            invitation__valid_until__gt=now,
        ).values_list("run_id", flat=True)
    )
    return [run for run in runs if run.pk in run_ids]


def _check_runs(program: Program, runs) -> None:
    if not runs:
        raise ProgramsError(_("Choose at least one run."))
    for run in runs:
        if run.program_id != program.pk:
            raise ProgramsError(_("Run %(run)s is not a run of this program.") % {"run": run.code})
        if not run.is_open:
            raise ProgramsError(_("Run %(run)s is closed.") % {"run": run.code})


@transaction.atomic
def invitation_create(
    *,
    program: Program,
    runs: list[ProgramRun],
    external_learner_id: str,
    email: str,
    valid_until: datetime,
    created_by,
) -> Invitation:
    """Invite one learner to runs of one program and email the link (after commit)."""
    organisation = program.organisation
    # Two managers inviting the same learner at once must not both pass the "already pending" check.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    external_learner_id = external_learner_id.strip()
    email = normalise_email(email)
    now = timezone.now()
    if not external_learner_id:
        raise ProgramsError(_("Enter the learner ID."))
    if valid_until <= now:
        raise ProgramsError(_("The expiry must be in the future."))
    _check_runs(program, runs)
    link = (
        LearnerLink.objects.filter(organisation=organisation, external_learner_id=external_learner_id)
        .select_related("user")
        .first()
    )
    if link is None:
        owner = (
            LearnerLink.objects.filter(organisation=organisation, user__email__iexact=email)
            .exclude(external_learner_id=external_learner_id)
            .first()
        )
        if owner:
            raise ProgramsError(
                _("This email belongs to the account of learner ID %(id)s.") % {"id": owner.external_learner_id}
            )
    if link and normalise_email(link.user.email) != email:
        raise ProgramsError(
            _("Learner ID %(id)s is linked to an account with another email address.") % {"id": external_learner_id}
        )
    if link:
        enrolled = set(
            Enrolment.objects.active().filter(user=link.user, run__in=runs).values_list("run__code", flat=True)
        )
        if enrolled:
            raise ProgramsError(
                _("This learner is already enrolled on %(runs)s.") % {"runs": ", ".join(sorted(enrolled))}
            )
    pending = _pending_runs_for(organisation=organisation, external_learner_id=external_learner_id, runs=runs)
    if pending:
        raise ProgramsError(
            _("A pending invitation for this learner and %(runs)s exists already. Resend it instead.")
            % {"runs": ", ".join(run.code for run in pending)}
        )
    other = (
        Invitation.objects.filter(
            organisation=organisation,
            external_learner_id=external_learner_id,
            status=Invitation.Status.PENDING,
            valid_until__gt=now,
        )
        .exclude(email=email)
        .first()
    )
    if other:
        raise ProgramsError(
            _("Learner ID %(id)s has a pending invitation sent to %(email)s.")
            % {"id": external_learner_id, "email": other.email}
        )
    # One account holds one learner ID per organisation: a second ID on this address could never be accepted.
    same_email = (
        Invitation.objects.filter(
            organisation=organisation, email=email, status=Invitation.Status.PENDING, valid_until__gt=now
        )
        .exclude(external_learner_id=external_learner_id)
        .first()
    )
    if same_email:
        raise ProgramsError(
            _("A pending invitation to %(email)s is for learner ID %(id)s. Cancel it first if the ID was wrong.")
            % {"email": email, "id": same_email.external_learner_id}
        )
    invitation = Invitation(
        organisation=organisation,
        program=program,
        external_learner_id=external_learner_id,
        email=email,
        valid_until=valid_until,
        expires_at=link_expiry(valid_until, now),
        created_by=created_by,
        created_at=now,
    )
    raw = invitation.issue_token()
    invitation.save()
    InvitationRun.objects.bulk_create([InvitationRun(invitation=invitation, run=run) for run in runs])
    _queue_email(invitation, raw=raw, runs=runs)
    return invitation


def _queue_email(invitation: Invitation, *, raw: str, runs) -> None:
    email_row = invitation_email(
        invitation,
        raw=raw,
        organisation=invitation.organisation,
        program=invitation.program,
        run_labels=[run_line(run) for run in runs],
        url_for=LinkMaker(),
    )
    emails_queue([email_row])


def _lock_invitation(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().select_related("organisation", "program").get(pk=invitation.pk)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, user) -> Invitation:
    """Issue a fresh link (the old one stops working at once) and email it again."""
    invitation = _lock_invitation(invitation)
    if invitation.effective_status != Invitation.Status.PENDING:
        raise ProgramsError(_("Only a pending invitation can be sent again."))
    now = timezone.now()
    raw = invitation.issue_token()
    invitation.expires_at = link_expiry(invitation.valid_until, now)
    invitation.resent_at, invitation.resent_by = now, user
    invitation.save(update_fields=["token_hash", "expires_at", "resent_at", "resent_by"])
    _queue_email(invitation, raw=raw, runs=invitation.runs.all())
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, user) -> Invitation:
    invitation = _lock_invitation(invitation)
    if invitation.effective_status != Invitation.Status.PENDING:
        raise ProgramsError(_("This invitation is no longer pending."))
    invitation.status = Invitation.Status.CANCELED
    invitation.canceled_at, invitation.canceled_by = timezone.now(), user
    invitation.save(update_fields=["status", "canceled_at", "canceled_by"])
    return invitation


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why a link cannot be used, or None when it can."""
    if invitation is None:
        return _("This invitation link is not valid. It may have been replaced by a newer one; check your email.")
    if invitation.status == Invitation.Status.ACCEPTED:
        return _("This invitation has already been used.")
    if invitation.status == Invitation.Status.CANCELED:
        return _("This invitation was canceled by the organisation.")
    if invitation.effective_status == Invitation.Status.EXPIRED or invitation.is_expired:
        return _("This invitation link has expired. Ask the organisation for a new one.")
    return None


@transaction.atomic
def invitation_accept(*, token: str, user, add_address: bool = False) -> Invitation:
    """Link the learner ID to the account that owns the invited address and enrol it on every invited run
    (with add_address, an address no account owns is first added to `user`)."""
    invitation = Invitation.by_token(token).select_for_update().select_related("organisation", "program").first()
    problem = invitation_problem(invitation)
    if problem:
        raise ProgramsError(problem)
    require_link_address(user=user, email=invitation.email, add_address=add_address, error=ProgramsError)
    organisation = invitation.organisation
    links = list(
        LearnerLink.objects.select_for_update().filter(
            Q(external_learner_id=invitation.external_learner_id) | Q(user=user), organisation=organisation
        )
    )
    for link in links:
        if link.external_learner_id == invitation.external_learner_id and link.user_id != user.pk:
            raise ProgramsError(
                _("This learner ID is already linked to another account. Sign in with that account to accept.")
            )
        if link.user_id == user.pk and link.external_learner_id != invitation.external_learner_id:
            raise ProgramsError(
                _(
                    "Your account is linked to another learner ID in %(org)s. Ask the organisation to check the invitation."
                )
                % {"org": organisation.name}
            )
    if not links:
        try:
            with transaction.atomic():
                LearnerLink.objects.create(
                    organisation=organisation, external_learner_id=invitation.external_learner_id, user=user
                )
        except IntegrityError:
            raise ProgramsError(_("This learner ID was just linked to another account.")) from None
    now = timezone.now()
    runs = list(invitation.runs.all())
    already = set(Enrolment.objects.active().filter(user=user, run__in=runs).values_list("run_id", flat=True))
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                organisation=organisation,
                run=run,
                user=user,
                external_learner_id=invitation.external_learner_id,
                source=Enrolment.Source.INVITATION,
                invitation=invitation,
                created_at=now,
            )
            for run in runs
            if run.pk not in already
        ],
        # A direct enrolment made at the same moment wins; the learner is enrolled either way.
        ignore_conflicts=True,
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at, invitation.accepted_by = now, user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    return invitation


def invitations_expire(*, now: datetime | None = None) -> int:
    """Mark pending invitations past their expiry; safe to run any number of times."""
    now = now or timezone.now()
    return Invitation.objects.filter(status=Invitation.Status.PENDING, valid_until__lte=now).update(
        status=Invitation.Status.EXPIRED
    )


@transaction.atomic
def enrolment_create_direct(
    *, program: Program, runs: list[ProgramRun], external_learner_id: str, created_by
) -> list[Enrolment]:
    """Enrol a learner whose ID is already linked to an account on runs of a degree, without an invitation.

    The learner is told by email; these enrolments count on the billing report as direct ones.
    """
    external_learner_id = external_learner_id.strip()
    if program.kind != Program.Kind.DEGREE:
        raise ProgramsError(_("Direct enrolment is for degree programs; invite learners to a microcredential."))
    _check_runs(program, runs)
    link = (
        LearnerLink.objects.filter(organisation=program.organisation, external_learner_id=external_learner_id)
        .select_related("user")
        .first()
    )
    if link is None:
        raise ProgramsError(
            _("Learner ID %(id)s is not linked to an account yet. Invite the learner instead.")
            % {"id": external_learner_id}
        )
    # Locked so two managers enrolling the same learner at once cannot both pass the check.
    LearnerLink.objects.select_for_update().filter(pk=link.pk).first()
    already = set(Enrolment.objects.active().filter(user=link.user, run__in=runs).values_list("run_id", flat=True))
    new_runs = [run for run in runs if run.pk not in already]
    if not new_runs:
        raise ProgramsError(_("This learner is already enrolled on every chosen run."))
    now = timezone.now()
    created = Enrolment.objects.bulk_create(
        [
            Enrolment(
                organisation=program.organisation,
                run=run,
                user=link.user,
                external_learner_id=external_learner_id,
                source=Enrolment.Source.DIRECT,
                created_by=created_by,
                created_at=now,
            )
            for run in new_runs
        ]
    )
    email_queue(
        to=link.user.email,
        template="programs/enrolled",
        context={
            "organisation": program.organisation.name,
            "program": program.name,
            "runs": [run_line(run) for run in new_runs],
            "url": absolute_url("me") + "#me-programs",
        },
        kind="program_enrolment",
        ref=created[0],
    )
    return created


MAX_BULK_CANCEL = 1000


@transaction.atomic
def invitations_cancel(*, program: Program, invitation_ids: list[int], user) -> tuple[int, int]:
    """Cancel the selected invitations of a program that are still pending; returns (canceled, left as they were).

    Selected invitations that are no longer pending, or are not of this program, are counted
    as left alone: a list opened a while ago may show ones accepted since.
    """
    ids = set(invitation_ids)
    if not ids:
        raise ProgramsError(_("Select at least one invitation to cancel."))
    if len(ids) > MAX_BULK_CANCEL:
        raise ProgramsError(_("Select at most %(n)s invitations at a time.") % {"n": MAX_BULK_CANCEL})
    now = timezone.now()
    pending = list(
        Invitation.objects.select_for_update()
        .filter(pk__in=ids, program=program, status=Invitation.Status.PENDING, valid_until__gt=now)
        .values_list("pk", flat=True)
    )
    Invitation.objects.filter(pk__in=pending).update(
        status=Invitation.Status.CANCELED, canceled_at=now, canceled_by=user
    )
    return len(pending), len(ids) - len(pending)


MAX_REASON_LENGTH = 2000


@transaction.atomic
def enrolment_unenrol(*, enrolment: Enrolment, user, reason: str) -> Enrolment:
    """Take a learner off a run, recording who, when and why. The row stays (and stays billed)."""
    reason = (reason or "").strip()
    if not reason:
        raise ProgramsError(_("Say why the learner is unenrolled: the reason is recorded."))
    if len(reason) > MAX_REASON_LENGTH:
        raise ProgramsError(_("Keep the reason under %(n)s characters.") % {"n": MAX_REASON_LENGTH})
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.unenrolled_at is not None:
        raise ProgramsError(_("This learner was already unenrolled from this run."))
    enrolment.unenrolled_at, enrolment.unenrolled_by, enrolment.unenrol_reason = timezone.now(), user, reason
    enrolment.save(update_fields=["unenrolled_at", "unenrolled_by", "unenrol_reason"])
    return enrolment
