"""Evidence for tasks and its self, peer and organiser approval."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from badges.models import (
    Assertion,
    BadgeClass,
    BadgeEvent,
    EvidenceSubmission,
    Quest,
    Task,
)
from badges.services import emails
from badges.services.common import BadgesError, audit, required_tasks
from badges.services.issuing import assertion_issue
from learnerpass.lib.storage import PRIVATE, delete_on_commit
from learnerpass.lib.urls import absolute_url


def _evidence_snapshot(quest: Quest) -> list[dict]:
    items = []
    submissions = {
        s.task_id: s
        for s in EvidenceSubmission.objects.filter(
            task__badge=quest.badge, learner=quest.learner, status=EvidenceSubmission.Status.APPROVED
        ).select_related("task")
    }
    for task in required_tasks(quest.badge):
        submission = submissions.get(task.pk)
        if submission is None:
            continue
        url = submission.url
        if submission.file:
            url = absolute_url("badges:evidence_file", public_id=submission.public_id)
        items.append({"name": task.title, "narrative": submission.text, "url": url})
    return items


def _maybe_complete(*, quest: Quest, actor) -> Assertion | None:
    """Issue the badge when every required task is approved; returns the assertion only when this call issued it."""
    badge = BadgeClass.objects.select_for_update().select_related("organisation").get(pk=quest.badge_id)
    quest = Quest.objects.select_for_update().get(pk=quest.pk)
    if quest.status == Quest.Status.COMPLETED:
        return None
    tasks = required_tasks(badge)
    approved = set(
        EvidenceSubmission.objects.filter(
            task__in=tasks, learner_id=quest.learner_id, status=EvidenceSubmission.Status.APPROVED
        ).values_list("task_id", flat=True)
    )
    if any(t.pk not in approved for t in tasks):
        return None
    quest.status = Quest.Status.COMPLETED
    quest.completed_at = timezone.now()
    quest.save(update_fields=["status", "completed_at"])
    assertion, created = assertion_issue(
        badge=badge,
        user=quest.learner,
        source=Assertion.Source.QUEST,
        issued_by=actor,
        evidence=_evidence_snapshot(quest),
    )
    return assertion if created else None


def _download_name(name: str) -> str:
    """The learner's file name as the download offers it: no folders, no control characters, not too long."""
    name = "".join(ch for ch in name.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable()).strip()
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 8:
        return f"{stem[:120]}.{ext}" if stem else f"evidence.{ext}"
    return name[:120] or "evidence"


@transaction.atomic
def evidence_submit(*, task: Task, learner, text: str = "", url: str = "", file=None) -> EvidenceSubmission:
    """Submit (or resubmit after a rejection) the evidence for one task of a quest the learner has started."""
    quest = Quest.objects.filter(badge_id=task.badge_id, learner=learner).first()
    if quest is None:
        raise BadgesError(_("Start this badge from its link before submitting evidence."))
    if quest.status == Quest.Status.COMPLETED:
        raise BadgesError(_("You have completed this badge already."))
    kind = task.evidence_kind
    if kind == Task.Evidence.TEXT and not text.strip():
        raise BadgesError(_("Write your evidence before submitting."))
    if kind == Task.Evidence.LINK and not url:
        raise BadgesError(_("Give the link to your evidence."))
    if kind == Task.Evidence.FILE and file is None:
        raise BadgesError(_("Choose the file to upload."))
    submission = EvidenceSubmission.objects.select_for_update().filter(task=task, learner=learner).first()
    if submission is not None and submission.status != EvidenceSubmission.Status.REJECTED:
        if submission.status == EvidenceSubmission.Status.APPROVED:
            raise BadgesError(_("This task is already approved."))
        raise BadgesError(_("Your evidence for this task is waiting for review."))
    if submission is None:
        submission = EvidenceSubmission(task=task, learner=learner)
    submission.text, submission.url = text.strip(), url
    if file is not None:
        # A resubmission replaces the rejected file: the old one goes once this is committed.
        delete_on_commit(PRIVATE, submission.file.name)
        submission.file_name = _download_name(file.name)
        submission.file.save(file.name, file, save=False)
    submission.submitted_at = timezone.now()
    submission.reviewer, submission.reviewed_at, submission.review_comment = None, None, ""
    submission.escalated, submission.escalated_at = False, None
    if task.approval == Task.Approval.SELF:
        submission.status = EvidenceSubmission.Status.APPROVED
        submission.reviewer, submission.reviewed_at = learner, submission.submitted_at
    else:
        submission.status = EvidenceSubmission.Status.SUBMITTED
    submission.save()
    badge = task.badge
    audit(
        organisation_id=badge.organisation_id,
        actor=learner,
        action=BadgeEvent.Action.EVIDENCE_SUBMITTED,
        badge=badge,
        detail=f"{task.title} by {learner.email}",
    )
    if submission.status == EvidenceSubmission.Status.APPROVED:
        _maybe_complete(quest=quest, actor=None)
    elif task.approval == Task.Approval.ORGANISER:
        emails.evidence_waiting(submission=submission)
    elif task.approval == Task.Approval.PEER:
        emails.evidence_waiting_for_peers(submission=submission)
    return submission


def is_peer(*, user, badge_id: int) -> bool:
    """Someone who holds the badge unrevoked or is working towards it now; a completed quest (whose badge
    may since have been revoked) makes no one a peer."""
    return (
        Assertion.objects.filter(badge_id=badge_id, recipient=user, revoked_at__isnull=True).exists()
        or Quest.objects.filter(badge_id=badge_id, learner=user, status=Quest.Status.IN_PROGRESS).exists()
    )


@transaction.atomic
def evidence_review(
    *, submission: EvidenceSubmission, reviewer, approve: bool, comment: str = "", as_organiser: bool = False
) -> EvidenceSubmission:
    """Approve or reject submitted evidence, as an organiser or as a peer; approving the last task issues the badge."""
    submission = (
        EvidenceSubmission.objects.select_for_update().select_related("task__badge", "learner").get(pk=submission.pk)
    )
    task = submission.task
    if submission.learner_id == reviewer.pk:
        raise BadgesError(_("You cannot review your own evidence."))
    if submission.status != EvidenceSubmission.Status.SUBMITTED:
        raise BadgesError(_("This evidence has already been reviewed."))
    if not as_organiser:
        if task.approval != Task.Approval.PEER:
            raise BadgesError(_("This evidence is reviewed by the organisers."))
        if submission.escalated:
            raise BadgesError(_("This review has passed to the organisers."))
        if not is_peer(user=reviewer, badge_id=task.badge_id):
            raise BadgesError(_("Only learners who hold this badge or work towards it can review this evidence."))
    if not approve and not comment.strip():
        raise BadgesError(_("Say what is missing so the learner can improve their evidence."))
    submission.status = EvidenceSubmission.Status.APPROVED if approve else EvidenceSubmission.Status.REJECTED
    submission.reviewer = reviewer
    submission.reviewed_at = timezone.now()
    submission.review_comment = comment.strip()
    submission.save(update_fields=["status", "reviewer", "reviewed_at", "review_comment"])
    badge = task.badge
    audit(
        organisation_id=badge.organisation_id,
        actor=reviewer,
        action=BadgeEvent.Action.EVIDENCE_APPROVED if approve else BadgeEvent.Action.EVIDENCE_REJECTED,
        badge=badge,
        detail=f"{task.title} of {submission.learner.email}",
    )
    issued = None
    if approve:
        quest = Quest.objects.filter(badge_id=task.badge_id, learner_id=submission.learner_id).first()
        if quest is not None:
            issued = _maybe_complete(quest=quest, actor=reviewer)
    # The learner hears once per review: the badge email when this approval completed it, else the outcome.
    if issued is None:
        emails.evidence_reviewed(submission=submission)
    return submission


@transaction.atomic
def escalate_stale_peer_reviews(*, now: datetime | None = None) -> int:
    """Hand peer reviews nobody did in time to the organisers' queue and tell them; safe to run again."""
    now = now or timezone.now()
    pending = EvidenceSubmission.objects.filter(
        status=EvidenceSubmission.Status.SUBMITTED, escalated=False, task__approval=Task.Approval.PEER
    )
    days_values = set(pending.values_list("task__peer_review_days", flat=True))
    if not days_values:
        return 0
    is_stale = Q()
    for days in days_values:
        is_stale |= Q(task__peer_review_days=days, submitted_at__lte=now - timedelta(days=days))
    stale = list(
        pending.filter(is_stale)
        .select_for_update(of=("self",))
        .select_related("task__badge__organisation", "learner")
        .order_by("submitted_at", "id")
    )
    # The conditional UPDATE claims the rows, so a second run at the same time records and emails nothing twice.
    claimed = set(
        EvidenceSubmission.objects.filter(pk__in=[s.pk for s in stale], escalated=False).values_list("pk", flat=True)
    )
    EvidenceSubmission.objects.filter(pk__in=claimed).update(escalated=True, escalated_at=now)
    moved = [s for s in stale if s.pk in claimed]
    BadgeEvent.objects.bulk_create(
        [
            BadgeEvent(
                organisation_id=s.task.badge.organisation_id,
                action=BadgeEvent.Action.ESCALATED,
                badge=s.task.badge,
                detail=f"{s.task.title} of {s.learner.email}: no peer review in {s.task.peer_review_days} days",
            )
            for s in moved
        ]
    )
    by_organisation: dict[int, list[EvidenceSubmission]] = {}
    for submission in moved:
        by_organisation.setdefault(submission.task.badge.organisation_id, []).append(submission)
    for submissions in by_organisation.values():
        emails.reviews_escalated(organisation=submissions[0].task.badge.organisation, submissions=submissions)
    return len(moved)
