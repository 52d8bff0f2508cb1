"""The background jobs of the programs app: checking a big upload, and sending a batch (see jobs.registry)."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from jobs.registry import Followed, Kind, register
from organisations.models import Role
from outbox.models import Email
from programs.models import Invitation

CHECK = "programs.check"
SEND = "programs.send"
# The failure reasons shown for emails that could not be delivered.
MAX_FAILURE_REASONS = 5


def _mark_batch_failed(job) -> None:
    # A job the sweeper gave up on stays retryable: its batch keeps its state so Retry can finish it.
    if job.retryable or job.ref_id is None:
        return
    from programs.services import batch_mark_failed

    batch_mark_failed(batch_id=job.ref_id, message=job.message)


def follow_send(job) -> Followed:
    """How far the outbox has delivered the invitations of the batch: one grouped count."""
    emails = Email.objects.filter(
        ref_type=Invitation._meta.label_lower,
        ref_id__in=Invitation.objects.filter(batch_id=job.ref_id).values("pk"),
    ).order_by()
    by_status = dict(emails.values_list("status").annotate(n=Count("pk")))
    sent = by_status.get(Email.Status.SENT, 0)
    failed = by_status.get(Email.Status.FAILED, 0)
    waiting = by_status.get(Email.Status.QUEUED, 0)
    reasons = {}
    if failed:
        reasons["failed"] = {
            (error or "?")[:300]: n
            for error, n in emails.filter(status=Email.Status.FAILED)
            .values_list("last_error")
            .annotate(n=Count("pk"))
            .order_by("-n")[:MAX_FAILURE_REASONS]
        }
    return Followed(
        done=sent,
        counts={"sent": sent, "failed": failed, "waiting": waiting},
        reasons=reasons,
        finished=waiting == 0,
    )


register(
    Kind(
        name=CHECK,
        title=_("Checking the file"),
        progress=_("%(done)s of %(total)s rows checked"),
        starting=_("Opening the file…"),
        labels={"valid": _("rows to invite"), "errors": _("errors"), "skipped": _("rows skipped")},
        roles=(Role.LEARNING_MANAGER,),
        on_fail=_mark_batch_failed,
    )
)
register(
    Kind(
        name=SEND,
        title=_("Sending invitations"),
        progress=_("%(done)s of %(total)s sent"),
        labels={"sent": _("sent"), "waiting": _("waiting"), "failed": _("failed"), "skipped": _("skipped")},
        roles=(Role.LEARNING_MANAGER,),
        follow=follow_send,
        on_fail=_mark_batch_failed,
    )
)
