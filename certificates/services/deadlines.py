"""Deadlines: reminding a learner who is still writing, by the organiser (Remind) or before the deadline."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import AuditEntry, Individual, IndividualInvitation
from certificates.services.common import CertificatesError, Status, audit, lock_individual
from certificates.services.emails import learner_context
from certificates.services.links import _batch, _new_invitation
from learnerpass.lib.urls import absolute_url
from outbox.services import email_queue

# An organiser's Remind is refused this soon after the last reminder: a double click, or a second
# press the same day, must not flood the learner.
REMIND_AGAIN_AFTER = timedelta(hours=24)


def remind_refusal(individual: Individual, now=None) -> str | None:
    """Why this individual cannot be reminded now, or None."""
    now = now or timezone.now()
    if individual.status == Status.SUBMITTED:
        return _("%(name)s has submitted already.") % {"name": individual.full_name}
    if individual.status not in Individual.HELD_BY_LEARNER:
        return _("%(name)s is not writing now: invite them to edit first.") % {"name": individual.full_name}
    if individual.reminded_at and now - individual.reminded_at < REMIND_AGAIN_AFTER:
        return _("%(name)s was already reminded at %(time)s UTC; you can remind them again a day later.") % {
            "name": individual.full_name,
            "time": individual.reminded_at.strftime("%Y-%m-%d %H:%M"),
        }
    return None


def _writing_url(individual: Individual, by) -> str:
    """Where the learner writes: their page once connected; else a fresh edit link (only the hash of the
    earlier one is kept, so it cannot be sent again), which replaces the earlier one."""
    if individual.user_id:
        return absolute_url("certificates:learner_edit", public_id=individual.public_id)
    _invitation, raw = _new_invitation(individual, IndividualInvitation.Kind.EDIT, by, individual.edit_message)
    return absolute_url("certificates:edit_link", token=raw)


def _remind(individual: Individual, by, now, batch: str = "") -> None:
    individual.reminded_at = now
    individual.save(update_fields=["reminded_at", "deadline_reminded_for"])
    email_queue(
        to=individual.email,
        template="certificates/reminder",
        context={
            **learner_context(individual),
            "deadline": individual.edit_deadline.isoformat() if individual.edit_deadline else "",
            "url": _writing_url(individual, by),
        },
        kind="certificates_reminder",
        ref=individual,
        language=individual.project.language,
    )
    audit(individual, by, AuditEntry.Action.REMINDED, **_batch(batch))


@transaction.atomic
def individual_remind(*, individual: Individual, reminded_by, batch: str = "") -> Individual:
    """The organiser's Remind: email a learner who is writing (at most once a day)."""
    individual = lock_individual(individual)
    now = timezone.now()
    refusal = remind_refusal(individual, now)
    if refusal:
        raise CertificatesError(refusal)
    _remind(individual, reminded_by, now, batch)
    return individual


def reminders_send_due(*, now=None) -> int:
    """Periodic: remind every learner still writing whose deadline is CERTIFICATES_REMINDER_DAYS away or
    nearer (and not past), once per deadline. Safe to run twice at once: each row is locked and re-checked."""
    now = now or timezone.now()
    today = now.date()
    due = Individual.objects.filter(
        status__in=Individual.HELD_BY_LEARNER,
        edit_deadline__gte=today,
        edit_deadline__lte=today + timedelta(days=settings.CERTIFICATES_REMINDER_DAYS),
    ).exclude(deadline_reminded_for=F("edit_deadline"))
    sent = 0
    for pk in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            individual = (
                Individual.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("project__organisation")
                .filter(pk=pk, status__in=Individual.HELD_BY_LEARNER, edit_deadline__isnull=False)
                .first()
            )
            if individual is None or individual.deadline_reminded_for == individual.edit_deadline:
                continue
            individual.deadline_reminded_for = individual.edit_deadline
            _remind(individual, None, now)
            sent += 1
    return sent
