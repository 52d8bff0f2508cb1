"""Bulk actions on a project's individuals: connect, invite to edit or remind many at once.

The organiser picks individuals (or "everyone not yet invited"), one message and deadline; a recorded
job (jobs app) sends one by one, each through the same service as the single action, and its summary
says how many were sent and who was skipped and why. A job run again (a lost worker) starts over and
skips whoever this batch already reached (their audit entry carries the batch key), so nobody gets two
emails; the same form posted twice starts one job.
"""

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import AuditEntry, Individual, Project
from certificates.services.common import CertificatesError, Status
from certificates.services.deadlines import individual_remind, remind_refusal
from certificates.services.links import individual_invite_to_edit, individual_send_connect
from jobs.models import Job
from jobs.services import JobRun, job_start

KIND = "certificates.bulk"
ACTIONS = {
    "connect": gettext_lazy("Send the connect invitation"),
    "invite": gettext_lazy("Invite to edit"),
    "remind": gettext_lazy("Remind"),
}
# Names listed per reason in the summary; the rest are counted.
NAMES_SHOWN = 10


def pending(project: Project, action: str):
    """Everyone the action has not reached yet: no connect link; not writing yet; not submitted yet."""
    individuals = Individual.objects.filter(project=project)
    if action == "connect":
        return individuals.filter(user__isnull=True, connect_sent_at__isnull=True)
    if action == "invite":
        return individuals.filter(status=Status.NOT_INVITED).exclude(user__isnull=True, connect_sent_at__isnull=True)
    return individuals.filter(status__in=Individual.HELD_BY_LEARNER)


@transaction.atomic
def individuals_bulk_start(
    *,
    project: Project,
    action: str,
    scope: str,
    ids: list[int],
    message: str,
    deadline: date | None,
    started_by,
    batch: str,
) -> Job:
    """Record the bulk action as a job (run after commit) and return it."""
    if action not in ACTIONS:
        raise CertificatesError(_("Choose what to send."))
    if deadline is not None and deadline < timezone.now().date():
        raise CertificatesError(_("The deadline cannot be in the past."))
    # One job per form: the project row serialises two posts of the same form.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if not batch or Job.objects.filter(kind=KIND, ref_id=project.pk, task_kwargs__batch=batch).exists():
        raise CertificatesError(_("This was already started; see its progress below the project's certificates."))
    if scope == "pending":
        targets = list(pending(project, action).order_by("surname", "first_name", "id").values_list("pk", flat=True))
        if not targets:
            raise CertificatesError(_("Nobody is left for this: everyone has had it already."))
    else:
        chosen = set(ids)
        targets = [
            pk
            for pk in Individual.objects.filter(project=project)
            .order_by("surname", "first_name", "id")
            .values_list("pk", flat=True)
            if pk in chosen
        ]
        if not targets:
            raise CertificatesError(_("Select at least one individual, or choose everyone not yet invited."))
    return job_start(
        kind=KIND,
        task=_task(),
        organisation=project.organisation,
        started_by=started_by,
        ref=project,
        total=len(targets),
        task_kwargs={
            "batch": batch,
            "project_id": project.pk,
            "action": action,
            "individual_ids": targets,
            "message": message.strip(),
            "deadline": deadline.isoformat() if deadline else "",
            "started_by_id": getattr(started_by, "pk", None),
        },
        return_url=reverse("certificates:project", kwargs={"org_slug": project.organisation.slug, "pk": project.pk}),
    )


def _task():
    from certificates.tasks import individuals_bulk

    return individuals_bulk


def _skip_reason(action: str, individual: Individual) -> str | None:
    """Why the action does not apply to this individual (a reason without the name, so names group)."""
    if action == "connect":
        return _("Already connected") if individual.user_id else None
    if action == "invite":
        if not individual.connect_sent_at and not individual.user_id:
            return _("No connect invitation yet; send one first")
        if individual.status == Status.SUBMITTED:
            return _("Submitted; review it first")
        if individual.status == Status.ACCEPTED:
            # Reopening accepted data is a decision per person, never a side effect of a bulk send.
            return _("Accepted; invite them one by one to reopen their data")
        return None
    if individual.status == Status.SUBMITTED:
        return _("Submitted already")
    if individual.status not in Individual.HELD_BY_LEARNER:
        return _("Not writing (not invited to edit, or accepted)")
    if remind_refusal(individual):
        return _("Reminded less than a day ago")
    return None


def _names(reason: str, names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        return _("%(reason)s: %(names)s and %(n)s more") % {
            "reason": reason,
            "names": shown,
            "n": len(names) - NAMES_SHOWN,
        }
    return f"{reason}: {shown}"


def individuals_bulk_run(
    *,
    run: JobRun,
    batch: str,
    project_id: int,
    action: str,
    individual_ids: list[int],
    message: str,
    deadline: str,
    started_by_id: int | None,
) -> None:
    """The job's work: each individual in its own transaction, through the single action's service."""
    from django.contrib.auth import get_user_model

    by = get_user_model().objects.filter(pk=started_by_id).first() if started_by_id else None
    deadline_date = date.fromisoformat(deadline) if deadline else None
    # Start over on every run: counts are recomputed, and whoever this batch reached is not sent to again.
    run.counts, run.reasons, run.done = {}, {}, 0
    run.set_total(len(individual_ids))
    reached = set(
        AuditEntry.objects.filter(individual_id__in=individual_ids, detail__batch=batch).values_list(
            "individual_id", flat=True
        )
    )
    individuals = Individual.objects.filter(pk__in=individual_ids, project_id=project_id).select_related(
        "project__organisation"
    )
    by_pk = {individual.pk: individual for individual in individuals}
    skipped: dict[str, list[str]] = defaultdict(list)
    for pk in individual_ids:
        individual = by_pk.get(pk)
        if individual is None:
            skipped[_("Deleted meanwhile")].append(f"#{pk}")
        elif pk in reached:
            run.count("sent")
        elif reason := _skip_reason(action, individual):
            skipped[reason].append(individual.full_name)
        else:
            try:
                if action == "connect":
                    individual_send_connect(individual=individual, sent_by=by, batch=batch)
                elif action == "invite":
                    individual_invite_to_edit(
                        individual=individual, invited_by=by, message=message, deadline=deadline_date, batch=batch
                    )
                else:
                    individual_remind(individual=individual, reminded_by=by, batch=batch)
                run.count("sent")
            except CertificatesError as exc:
                # The state changed since the check above (someone connected meanwhile…): the service's reason.
                skipped[str(exc)].append(individual.full_name)
        run.advance()
    for reason, names in skipped.items():
        run.count("skipped", len(names), reason=_names(reason, names))
