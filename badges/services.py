"""Every write of the badges app: publishing, issuing, claiming, evidence and revocation."""

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from badges import baking, images, ob
from badges.models import (
    Activity,
    Assertion,
    AssertionClaim,
    BadgeClass,
    BadgeEvent,
    BadgeLink,
    EvidenceSubmission,
    Playlist,
    PlaylistItem,
    PublishStatus,
    Quest,
    Task,
)
from learnerpass.lib.tokens import new_token
from learnerpass.lib.urls import absolute_url
from organisations.models import Organisation
from outbox.services import build_email, email_queue, emails_queue

CLAIM_LIFETIME = timedelta(days=180)
MAX_EMAILS_PER_ISSUE = 100_000


class BadgesError(Exception):
    """A refused action; the message is shown to the user."""


def _event(*, organisation_id: int, actor, action: str, badge: BadgeClass | None = None, detail: str = "") -> None:
    BadgeEvent.objects.create(
        organisation_id=organisation_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        badge=badge,
        detail=detail[:500],
    )


# --- activities and playlists ------------------------------------------------------------------------------------

ACTIVITY_FIELDS = ("title", "description", "criteria", "start_date", "end_date", "place")


@transaction.atomic
def activity_create(*, organisation: Organisation, user, data: dict) -> Activity:
    return Activity.objects.create(
        organisation=organisation, created_by=user, **{k: data[k] for k in ACTIVITY_FIELDS if k in data}
    )


@transaction.atomic
def activity_update(*, activity: Activity, user, data: dict) -> Activity:
    for key in ACTIVITY_FIELDS:
        if key in data:
            setattr(activity, key, data[key])
    activity.save()
    return activity


def _create_badge_for(*, organisation: Organisation, name: str, description: str, criteria: str, **source):
    badge = BadgeClass.objects.create(
        organisation=organisation,
        name=name[:200],
        description=description.strip() or name,
        criteria=criteria.strip() or description.strip(),
        colour=images.colour_for(name),
        **source,
    )
    BadgeLink.objects.create(badge=badge)
    return badge


@transaction.atomic
def activity_publish(*, activity: Activity, user) -> Activity:
    """Publish; the first publication creates the activity's badge class from its text."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status == PublishStatus.PUBLISHED:
        raise BadgesError(_("This activity is already published."))
    activity.status = PublishStatus.PUBLISHED
    activity.published_at = timezone.now()
    activity.save(update_fields=["status", "published_at"])
    badge = BadgeClass.objects.filter(activity=activity).first()
    if badge is None:
        badge = _create_badge_for(
            organisation=activity.organisation,
            name=activity.title,
            description=activity.description,
            criteria=activity.criteria,
            activity=activity,
        )
    _event(
        organisation_id=activity.organisation_id,
        actor=user,
        action=BadgeEvent.Action.PUBLISHED,
        badge=badge,
        detail=f"activity {activity.title}",
    )
    return activity


@transaction.atomic
def activity_unpublish(*, activity: Activity, user) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != PublishStatus.PUBLISHED:
        raise BadgesError(_("This activity is not published."))
    activity.status = PublishStatus.UNPUBLISHED
    activity.save(update_fields=["status"])
    _event(
        organisation_id=activity.organisation_id,
        actor=user,
        action=BadgeEvent.Action.UNPUBLISHED,
        badge=BadgeClass.objects.filter(activity=activity).first(),
        detail=f"activity {activity.title}",
    )
    return activity


def _set_playlist_items(playlist: Playlist, activity_ids: list[int]) -> None:
    allowed = set(
        Activity.objects.filter(
            organisation_id=playlist.organisation_id, status=PublishStatus.PUBLISHED, pk__in=activity_ids
        ).values_list("pk", flat=True)
    )
    ordered = [pk for pk in dict.fromkeys(activity_ids) if pk in allowed]
    if len(ordered) != len(dict.fromkeys(activity_ids)):
        raise BadgesError(_("A playlist can only hold published activities of this organisation."))
    PlaylistItem.objects.filter(playlist=playlist).delete()
    PlaylistItem.objects.bulk_create(
        [PlaylistItem(playlist=playlist, activity_id=pk, position=i) for i, pk in enumerate(ordered)]
    )


PLAYLIST_FIELDS = ("title", "description", "rule", "min_count")


@transaction.atomic
def playlist_item_move(*, playlist: Playlist, item_id: int, up: bool, user) -> None:
    """Swap an activity with its neighbour, so organisers can order the playlist."""
    items = list(PlaylistItem.objects.select_for_update().filter(playlist=playlist).order_by("position", "id"))
    index = next((i for i, item in enumerate(items) if item.pk == item_id), None)
    if index is None:
        raise BadgesError(_("This activity is not in the playlist."))
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items):
        item.position = position
    PlaylistItem.objects.bulk_update(items, ["position"])


@transaction.atomic
def playlist_create(*, organisation: Organisation, user, data: dict, activity_ids: list[int]) -> Playlist:
    playlist = Playlist.objects.create(
        organisation=organisation, created_by=user, **{k: data[k] for k in PLAYLIST_FIELDS if k in data}
    )
    _set_playlist_items(playlist, activity_ids)
    return playlist


@transaction.atomic
def playlist_update(*, playlist: Playlist, user, data: dict, activity_ids: list[int]) -> Playlist:
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    for key in PLAYLIST_FIELDS:
        if key in data:
            setattr(playlist, key, data[key])
    playlist.save()
    _set_playlist_items(playlist, activity_ids)
    return playlist


@transaction.atomic
def playlist_publish(*, playlist: Playlist, user) -> Playlist:
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    if playlist.status == PublishStatus.PUBLISHED:
        raise BadgesError(_("This playlist is already published."))
    if not playlist.items.exists():
        raise BadgesError(_("Add at least one published activity before publishing the playlist."))
    playlist.status = PublishStatus.PUBLISHED
    playlist.published_at = timezone.now()
    playlist.save(update_fields=["status", "published_at"])
    badge = BadgeClass.objects.filter(playlist=playlist).first()
    if badge is None:
        badge = _create_badge_for(
            organisation=playlist.organisation,
            name=playlist.title,
            description=playlist.description,
            criteria=_("Earn the badges of the playlist's activities (%(rule)s).") % {"rule": _rule_text(playlist)},
            playlist=playlist,
        )
    _event(
        organisation_id=playlist.organisation_id,
        actor=user,
        action=BadgeEvent.Action.PUBLISHED,
        badge=badge,
        detail=f"playlist {playlist.title}",
    )
    return playlist


def _rule_text(playlist: Playlist) -> str:
    if playlist.rule == Playlist.Rule.AT_LEAST:
        return _("at least %(n)s of them") % {"n": playlist.min_count}
    return _("all of them")


@transaction.atomic
def playlist_unpublish(*, playlist: Playlist, user) -> Playlist:
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    if playlist.status != PublishStatus.PUBLISHED:
        raise BadgesError(_("This playlist is not published."))
    playlist.status = PublishStatus.UNPUBLISHED
    playlist.save(update_fields=["status"])
    _event(
        organisation_id=playlist.organisation_id,
        actor=user,
        action=BadgeEvent.Action.UNPUBLISHED,
        badge=BadgeClass.objects.filter(playlist=playlist).first(),
        detail=f"playlist {playlist.title}",
    )
    return playlist


# --- badge classes, links and tasks ------------------------------------------------------------------------------


@transaction.atomic
def badge_update(
    *, badge: BadgeClass, user, name: str, description: str, criteria: str, image=None, remove_image: bool = False
) -> BadgeClass:
    badge = BadgeClass.objects.select_for_update().get(pk=badge.pk)
    badge.name, badge.description, badge.criteria = name, description, criteria
    image_changed = False
    if image is not None:
        try:
            data, kind = images.clean_upload(image)
        except images.ImageError as exc:
            raise BadgesError(str(exc)) from None
        badge.image.save(f"{badge.public_id}-{secrets.token_hex(4)}.{kind}", ContentFile(data), save=False)
        image_changed = True
    elif remove_image and badge.image:
        badge.image = ""
        image_changed = True
    badge.save()
    if image_changed:
        # The baked images carry the old picture; they are baked again on their next request.
        Assertion.objects.filter(badge=badge).exclude(baked_image="").update(baked_image="")
    _event(
        organisation_id=badge.organisation_id,
        actor=user,
        action=BadgeEvent.Action.EDITED,
        badge=badge,
        detail=badge.name,
    )
    return badge


@transaction.atomic
def badge_link_update(
    *, badge: BadgeClass, user, enabled: bool, expires_at: datetime | None, max_claims: int | None, new_code: bool
) -> BadgeLink:
    link, _created = BadgeLink.objects.select_for_update().get_or_create(badge=badge)
    link.enabled, link.expires_at, link.max_claims = enabled, expires_at, max_claims
    if new_code:
        link.code = secrets.token_urlsafe(24)
    link.save()
    _event(
        organisation_id=badge.organisation_id,
        actor=user,
        action=BadgeEvent.Action.LINK_CHANGED,
        badge=badge,
        detail=f"on={enabled} expires={expires_at} max={max_claims} new_code={new_code}",
    )
    return link


@transaction.atomic
def task_create(
    *,
    badge: BadgeClass,
    user,
    title: str,
    description: str = "",
    evidence_kind: str = Task.Evidence.TEXT,
    approval: str = Task.Approval.ORGANISER,
    peer_review_days: int = 7,
) -> Task:
    position = badge.tasks.count()
    return Task.objects.create(
        badge=badge,
        title=title,
        description=description,
        evidence_kind=evidence_kind,
        approval=approval,
        peer_review_days=peer_review_days,
        position=position,
    )


@transaction.atomic
def task_delete(*, task: Task, user) -> None:
    if task.submissions.exists():
        raise BadgesError(_("Learners have already submitted evidence for this task; it cannot be deleted."))
    task.delete()


# --- issuing --------------------------------------------------------------------------------------------------------


@dataclass
class IssueReport:
    issued: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    already_held: list[str] = field(default_factory=list)


_SEPARATORS = re.compile(r"[\s,;]+")


def parse_emails(text: str) -> tuple[list[str], list[str], list[str]]:
    """Split a pasted list into (valid lower-cased addresses in order, invalid entries, repeated ones)."""
    valid: dict[str, None] = {}
    invalid, duplicates = [], []
    for raw in _SEPARATORS.split(text or ""):
        entry = raw.strip().strip("<>\"'")
        if not entry:
            continue
        email = entry.lower()
        try:
            validate_email(email)
        except ValidationError:
            invalid.append(entry)
            continue
        if email in valid:
            duplicates.append(email)
        else:
            valid[email] = None
    return list(valid), invalid, duplicates


def _new_recipient(email: str) -> tuple[str, str]:
    salt = secrets.token_hex(16)
    return salt, ob.recipient_identity(email, salt)


def _verified_users(emails: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(emails), 5000):
        for email, user_id in EmailAddress.objects.filter(
            email__in=emails[start : start + 5000], verified=True
        ).values_list("email", "user_id"):
            found[email.lower()] = user_id
    return found


@transaction.atomic
def badge_issue_to_emails(*, badge: BadgeClass, text: str, issued_by, expires: datetime | None = None) -> IssueReport:
    """Issue the badge to every new address in a pasted list, in one go, and queue one email each.

    Images are not baked here: each assertion's image is baked on its first request.
    """
    report = IssueReport()
    emails, report.invalid, report.duplicates = parse_emails(text)
    if expires is not None and expires <= timezone.now():
        raise BadgesError(_("The expiry date must be in the future."))
    if len(emails) > MAX_EMAILS_PER_ISSUE:
        raise BadgesError(_("At most %(n)s addresses at once.") % {"n": MAX_EMAILS_PER_ISSUE})
    badge = BadgeClass.objects.select_for_update().select_related("organisation").get(pk=badge.pk)
    held = set(Assertion.objects.filter(badge=badge, revoked_at__isnull=True).values_list("recipient_email", flat=True))
    report.already_held = [e for e in emails if e in held]
    new = [e for e in emails if e not in held]
    if not new:
        return report
    users = _verified_users(new)
    now = timezone.now()
    assertions = []
    for email in new:
        salt, identity = _new_recipient(email)
        assertions.append(
            Assertion(
                badge=badge,
                recipient_email=email,
                recipient_id=users.get(email),
                salt=salt,
                identity=identity,
                issued_on=now,
                expires=expires,
                source=Assertion.Source.EMAIL,
                issued_by=issued_by,
            )
        )
    assertions = Assertion.objects.bulk_create(assertions, batch_size=2000)
    claims, tokens = [], []
    for assertion in assertions:
        raw, token_hash = new_token()
        claims.append(AssertionClaim(assertion=assertion, token_hash=token_hash, expires_at=now + CLAIM_LIFETIME))
        tokens.append(raw)
    AssertionClaim.objects.bulk_create(claims, batch_size=2000)
    common = {"badge": badge.name, "issuer": badge.organisation.name}
    emails_queue(
        [
            build_email(
                to=assertion.recipient_email,
                template="badges/badge_awarded",
                context={
                    **common,
                    "url": absolute_url("badges:accept", token=raw),
                    "assertion_url": absolute_url("badges:assertion", public_id=assertion.public_id),
                },
                kind="badge_awarded",
                ref=assertion,
            )
            for assertion, raw in zip(assertions, tokens, strict=True)
        ]
    )
    report.issued = new
    _event(
        organisation_id=badge.organisation_id,
        actor=issued_by,
        action=BadgeEvent.Action.ISSUED,
        badge=badge,
        detail=f"{len(new)} by email",
    )
    for user_id in {a.recipient_id for a in assertions if a.recipient_id}:
        _check_playlists(user_id=user_id, badge=badge)
    return report


def _issue_to_user(*, badge: BadgeClass, user, source: str, issued_by=None, evidence=None) -> tuple[Assertion, bool]:
    """Issue once: the caller holds the badge row's lock; an existing live assertion is returned instead."""
    email = user.email.strip().lower()
    existing = (
        Assertion.objects.filter(badge=badge, revoked_at__isnull=True)
        .filter(Q(recipient=user) | Q(recipient_email=email))
        .first()
    )
    if existing is not None:
        if existing.recipient_id is None:
            existing.recipient = user
            existing.save(update_fields=["recipient"])
            _check_playlists(user_id=user.pk, badge=badge)
        return existing, False
    salt, identity = _new_recipient(email)
    try:
        with transaction.atomic():
            assertion = Assertion.objects.create(
                badge=badge,
                recipient_email=email,
                recipient=user,
                salt=salt,
                identity=identity,
                issued_on=timezone.now(),
                source=source,
                issued_by=issued_by,
                evidence=evidence or [],
            )
    except IntegrityError:
        # Another request issued it between our check and insert (only possible without row locks, e.g. SQLite).
        return Assertion.objects.get(badge=badge, recipient_email=email, revoked_at__isnull=True), False
    _event(
        organisation_id=badge.organisation_id,
        actor=issued_by or user,
        action=BadgeEvent.Action.ISSUED,
        badge=badge,
        detail=f"{source} to {email}",
    )
    email_queue(
        to=email,
        template="badges/badge_earned",
        context={
            "badge": badge.name,
            "issuer": badge.organisation.name,
            "url": absolute_url("me"),
            "assertion_url": absolute_url("badges:assertion", public_id=assertion.public_id),
        },
        kind="badge_earned",
        ref=assertion,
    )
    _check_playlists(user_id=user.pk, badge=badge)
    return assertion, True


def _check_playlists(*, user_id: int, badge: BadgeClass) -> None:
    """Issue the badge of every published playlist this activity badge completes for the learner."""
    if badge.activity_id is None:
        return
    from django.contrib.auth import get_user_model

    playlists = list(
        Playlist.objects.filter(
            items__activity_id=badge.activity_id, status=PublishStatus.PUBLISHED, badge__isnull=False
        ).select_related("badge", "badge__organisation")
    )
    user = None
    for playlist in playlists:
        activity_ids = list(playlist.items.values_list("activity_id", flat=True))
        held = (
            Assertion.objects.filter(recipient_id=user_id, revoked_at__isnull=True, badge__activity_id__in=activity_ids)
            .values("badge__activity_id")
            .distinct()
            .count()
        )
        if held >= playlist.required_count(len(activity_ids)):
            user = user or get_user_model().objects.get(pk=user_id)
            playlist_badge = BadgeClass.objects.select_for_update().get(pk=playlist.badge.pk)
            _issue_to_user(badge=playlist_badge, user=user, source=Assertion.Source.PLAYLIST)


def claim_problem(claim: AssertionClaim | None) -> str | None:
    if claim is None:
        return _("This badge link is not valid.")
    if claim.used_at is not None:
        return _("This badge has already been claimed into an account.")
    if claim.assertion.is_revoked:
        return _("This badge was revoked by its issuer.")
    if claim.is_expired:
        return _("This link has expired. Ask the issuer to send the badge again.")
    return None


@transaction.atomic
def assertion_claim_accept(*, token: str, user) -> Assertion:
    """Attach a badge issued to an email address to the account that followed the emailed link."""
    claim = AssertionClaim.by_token(token).select_for_update().select_related("assertion__badge").first()
    problem = claim_problem(claim)
    if problem:
        raise BadgesError(problem)
    assertion = claim.assertion
    if assertion.recipient_id and assertion.recipient_id != user.pk:
        raise BadgesError(_("This badge already belongs to another account."))
    if (
        Assertion.objects.filter(badge=assertion.badge, recipient=user, revoked_at__isnull=True)
        .exclude(pk=assertion.pk)
        .exists()
    ):
        raise BadgesError(_("You already hold this badge."))
    claim.used_at = timezone.now()
    claim.used_by = user
    claim.save(update_fields=["used_at", "used_by"])
    if assertion.recipient_id is None:
        assertion.recipient = user
        assertion.save(update_fields=["recipient"])
        _check_playlists(user_id=user.pk, badge=assertion.badge)
    _event(
        organisation_id=assertion.badge.organisation_id,
        actor=user,
        action=BadgeEvent.Action.CLAIMED,
        badge=assertion.badge,
        detail=f"emailed badge to {assertion.recipient_email}",
    )
    return assertion


def link_problem(link: BadgeLink | None, *, check_limit: bool = True) -> str | None:
    if link is None or not link.enabled:
        return _("This badge link is not active.")
    if link.expires_at and link.expires_at <= timezone.now():
        return _("This badge link has expired.")
    if check_limit and link.max_claims is not None and link.claims_count >= link.max_claims:
        return _("This badge link has been used as many times as the organiser allowed.")
    if link.badge.source is not None and link.badge.source.status != PublishStatus.PUBLISHED:
        return _("This badge is not available at the moment.")
    return None


@dataclass
class ClaimResult:
    assertion: Assertion | None = None
    quest: Quest | None = None
    created: bool = False


def required_tasks(badge: BadgeClass) -> list[Task]:
    return [t for t in badge.tasks.all() if t.requires_evidence]


@transaction.atomic
def badge_link_claim(*, code: str, user) -> ClaimResult:
    """Follow the badge's link: the badge at once, or the start of the quest when tasks need evidence.

    Claiming again returns what the learner already has and does not count as a claim.
    """
    link = BadgeLink.objects.select_related("badge__activity", "badge__playlist").filter(code=code).first()
    # The limit is checked by the conditional UPDATE below, after a holder's repeat visit is answered.
    problem = link_problem(link, check_limit=False)
    if problem:
        raise BadgesError(problem)
    badge = BadgeClass.objects.select_for_update().select_related("organisation").get(pk=link.badge_id)
    email = user.email.strip().lower()
    held = (
        Assertion.objects.filter(badge=badge, revoked_at__isnull=True)
        .filter(Q(recipient=user) | Q(recipient_email=email))
        .first()
    )
    if held is not None:
        if held.recipient_id is None:
            held.recipient = user
            held.save(update_fields=["recipient"])
        return ClaimResult(assertion=held)
    needs_evidence = bool(required_tasks(badge))
    if needs_evidence:
        quest = Quest.objects.filter(badge=badge, learner=user).first()
        if quest is not None:
            return ClaimResult(quest=quest)
    counted = (
        BadgeLink.objects.filter(pk=link.pk, enabled=True)
        .filter(Q(max_claims__isnull=True) | Q(claims_count__lt=F("max_claims")))
        .update(claims_count=F("claims_count") + 1)
    )
    if not counted:
        raise BadgesError(_("This badge link has been used as many times as the organiser allowed."))
    if needs_evidence:
        quest = Quest.objects.create(badge=badge, learner=user)
        return ClaimResult(quest=quest, created=True)
    assertion, created = _issue_to_user(badge=badge, user=user, source=Assertion.Source.LINK)
    return ClaimResult(assertion=assertion, created=created)


# --- evidence ------------------------------------------------------------------------------------------------------


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
    assertion, _created = _issue_to_user(
        badge=badge,
        user=quest.learner,
        source=Assertion.Source.QUEST,
        issued_by=actor,
        evidence=_evidence_snapshot(quest),
    )
    return assertion


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
        submission.file.save(f"{secrets.token_hex(8)}-{file.name[-80:]}", file, save=False)
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
    _event(
        organisation_id=badge.organisation_id,
        actor=learner,
        action=BadgeEvent.Action.EVIDENCE_SUBMITTED,
        badge=badge,
        detail=f"{task.title} by {learner.email}",
    )
    if submission.status == EvidenceSubmission.Status.APPROVED:
        _maybe_complete(quest=quest, actor=None)
    return submission


def is_peer(*, user, badge_id: int) -> bool:
    """Another learner who holds the badge or is working towards it."""
    return (
        Assertion.objects.filter(badge_id=badge_id, recipient=user, revoked_at__isnull=True).exists()
        or Quest.objects.filter(badge_id=badge_id, learner=user).exists()
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
    _event(
        organisation_id=badge.organisation_id,
        actor=reviewer,
        action=BadgeEvent.Action.EVIDENCE_APPROVED if approve else BadgeEvent.Action.EVIDENCE_REJECTED,
        badge=badge,
        detail=f"{task.title} of {submission.learner.email}",
    )
    if approve:
        quest = Quest.objects.filter(badge_id=task.badge_id, learner_id=submission.learner_id).first()
        if quest is not None:
            _maybe_complete(quest=quest, actor=reviewer)
    else:
        email_queue(
            to=submission.learner.email,
            template="badges/evidence_rejected",
            context={
                "badge": badge.name,
                "task": task.title,
                "comment": submission.review_comment,
                "url": absolute_url("badges:quest", public_id=badge.public_id),
            },
            kind="evidence_rejected",
            ref=submission,
        )
    return submission


def escalate_stale_peer_reviews(*, now: datetime | None = None) -> int:
    """Hand peer reviews nobody did in time to the organisers' queue; safe to run again."""
    now = now or timezone.now()
    pending = EvidenceSubmission.objects.filter(
        status=EvidenceSubmission.Status.SUBMITTED, escalated=False, task__approval=Task.Approval.PEER
    )
    moved = 0
    for days in set(pending.values_list("task__peer_review_days", flat=True)):
        with transaction.atomic():
            moved += pending.filter(task__peer_review_days=days, submitted_at__lte=now - timedelta(days=days)).update(
                escalated=True, escalated_at=now
            )
    return moved


# --- holders ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def assertion_revoke(*, assertion: Assertion, reason: str, user) -> Assertion:
    assertion = Assertion.objects.select_for_update().select_related("badge").get(pk=assertion.pk)
    if assertion.is_revoked:
        raise BadgesError(_("This badge is already revoked."))
    if not reason.strip():
        raise BadgesError(_("Give a reason: it is published with the revocation."))
    assertion.revoked_at = timezone.now()
    assertion.revocation_reason = reason.strip()[:500]
    assertion.revoked_by = user
    assertion.save(update_fields=["revoked_at", "revocation_reason", "revoked_by"])
    _event(
        organisation_id=assertion.badge.organisation_id,
        actor=user,
        action=BadgeEvent.Action.REVOKED,
        badge=assertion.badge,
        detail=f"{assertion.recipient_email}: {assertion.revocation_reason}",
    )
    return assertion


@transaction.atomic
def assertion_set_evidence_visibility(*, assertion: Assertion, user, show: bool) -> Assertion:
    assertion = Assertion.objects.select_for_update().get(pk=assertion.pk)
    if assertion.recipient_id != user.pk:
        raise BadgesError(_("Only the holder can change this."))
    assertion.show_evidence = show
    # The baked image carries the document, evidence included; bake it again next time.
    assertion.baked_image = ""
    assertion.save(update_fields=["show_evidence", "baked_image"])
    return assertion


def badge_base_image(badge: BadgeClass) -> tuple[bytes, str]:
    """The badge's picture as (bytes, "png" or "svg"): the upload, or the generated default."""
    if badge.image:
        with badge.image.open("rb") as handle:
            return handle.read(), badge.image_kind
    return images.default_svg(badge.name, badge.colour), "svg"


def assertion_baked_image(*, assertion: Assertion) -> tuple[bytes, str]:
    """The assertion's baked image, baked and stored on first use (never inside the issuing transaction)."""
    if assertion.baked_image:
        try:
            with assertion.baked_image.open("rb") as handle:
                data = handle.read()
            return data, "png" if data.startswith(baking.PNG_SIGNATURE) else "svg"
        except FileNotFoundError:
            pass
    image, kind = badge_base_image(assertion.badge)
    payload = ob.dumps(ob.assertion_document(assertion)).decode("utf-8")
    if kind == "png":
        data = baking.bake_png(image, payload)
    else:
        data = baking.bake_svg(image, payload, ob.assertion_url(assertion))
    name = assertion.baked_image.storage.save(f"badges/baked/{assertion.public_id}.{kind}", ContentFile(data))
    # Two first requests may bake at once; the first to record its file wins, the other tidies up.
    if not Assertion.objects.filter(pk=assertion.pk, baked_image="").update(baked_image=name):
        assertion.baked_image.storage.delete(name)
    return data, kind


# --- playlists: invitations ----------------------------------------------------------------------------------------


@transaction.atomic
def playlist_invite(*, playlist: Playlist, text: str, user) -> IssueReport:
    playlist = Playlist.objects.select_related("organisation").get(pk=playlist.pk)
    if playlist.status != PublishStatus.PUBLISHED:
        raise BadgesError(_("Publish the playlist before inviting people to it."))
    report = IssueReport()
    emails, report.invalid, report.duplicates = parse_emails(text)
    if not emails:
        raise BadgesError(_("Enter at least one valid email address."))
    context = {
        "playlist": playlist.title,
        "organisation": playlist.organisation.name,
        "inviter": user.email,
        "url": absolute_url(playlist.get_public_url()),
    }
    emails_queue(
        [
            build_email(
                to=email,
                template="badges/playlist_invitation",
                context=context,
                kind="playlist_invitation",
                ref=playlist,
            )
            for email in emails
        ]
    )
    report.issued = emails
    _event(
        organisation_id=playlist.organisation_id,
        actor=user,
        action=BadgeEvent.Action.INVITED,
        badge=BadgeClass.objects.filter(playlist=playlist).first(),
        detail=f"{len(emails)} to {playlist.title}",
    )
    return report
