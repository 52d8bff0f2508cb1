"""A playlist's badge for everyone who already completes it, when the playlist is published or changed."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from badges.models import Assertion, BadgeClass, BadgeEvent, Playlist, PublishStatus
from badges.services import emails, vc
from badges.services.common import audit
from badges.services.issuing import bake_after_commit, new_recipient
from jobs.models import Job
from jobs.services import JobRun, job_start

# Publishing a playlist (or changing it) issues its badge to up to this many qualifiers inside the
# request; beyond it a background task issues them, this many per transaction.
PLAYLIST_ISSUE_INLINE = 200
PLAYLIST_ISSUE_BATCH = 1000


@dataclass(frozen=True)
class QualifierIssue:
    """What changing a playlist did for those who already complete it: badges issued now, or queued in a job."""

    issued: int = 0
    queued: int = 0
    job: Job | None = None


def playlist_qualifiers(playlist: Playlist) -> list[int]:
    """The accounts that complete the playlist with their live activity badges and neither hold its badge
    (by account or by address) nor had it revoked (the organisers' decision stands), in a fixed order."""
    badge = BadgeClass.objects.filter(playlist=playlist).first()
    activity_ids = list(playlist.items.values_list("activity_id", flat=True))
    if badge is None or not activity_ids:
        return []
    required = playlist.required_count(len(activity_ids))
    complete = (
        Assertion.objects.filter(badge__activity_id__in=activity_ids, revoked_at__isnull=True, recipient__isnull=False)
        .values("recipient_id")
        .annotate(done=Count("badge__activity_id", distinct=True))
        .filter(done__gte=required)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
    )
    return _without_holders(badge, list(complete))


def _without_holders(badge: BadgeClass, user_ids: list[int]) -> list[int]:
    if not user_ids:
        return []
    kept = set(user_ids)
    for start in range(0, len(user_ids), 5000):
        chunk = user_ids[start : start + 5000]
        kept -= set(
            Assertion.objects.filter(badge=badge, recipient_id__in=chunk).values_list("recipient_id", flat=True)
        )
    live_addresses = set(
        Assertion.objects.filter(badge=badge, revoked_at__isnull=True, recipient__isnull=True).values_list(
            "recipient_email", flat=True
        )
    )
    if live_addresses:
        kept -= set(get_user_model().objects.filter(pk__in=kept, email__in=live_addresses).values_list("pk", flat=True))
    return [pk for pk in user_ids if pk in kept]


def _issue_playlist_badge(*, badge: BadgeClass, user_ids: list[int], actor) -> list[Assertion]:
    """Issue the (locked) playlist badge to these accounts in one go and tell each of them."""
    now = timezone.now()
    expires = badge.expiry_for(now)
    assertions = []
    for user_id, email in get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "email"):
        address = email.strip().lower()
        salt, identity = new_recipient(address)
        assertions.append(
            Assertion(
                badge=badge,
                recipient_email=address,
                recipient_id=user_id,
                salt=salt,
                identity=identity,
                issued_on=now,
                expires=expires,
                source=Assertion.Source.PLAYLIST,
                issued_by=actor,
            )
        )
    vc.allocate_status(assertions, organisation=badge.organisation)
    assertions = Assertion.objects.bulk_create(assertions, batch_size=2000)
    emails.badges_earned(assertions=assertions)
    bake_after_commit(assertions, badge=badge, started_by=actor)
    return assertions


def _audit_qualifiers(badge: BadgeClass, count: int, actor) -> None:
    audit(
        organisation_id=badge.organisation_id,
        actor=actor,
        action=BadgeEvent.Action.ISSUED,
        badge=badge,
        detail=ngettext(
            "%(n)s person who had already completed the playlist",
            "%(n)s people who had already completed the playlist",
            count,
        )
        % {"n": count},
    )


def playlist_issue_to_qualifiers(*, playlist: Playlist, user) -> QualifierIssue:
    """Inside the transaction that published or changed the playlist: issue its badge to those who now
    complete it, at once for a few, else in a recorded background job started after commit."""
    if playlist.status != PublishStatus.PUBLISHED:
        return QualifierIssue()
    qualifiers = playlist_qualifiers(playlist)
    if not qualifiers:
        return QualifierIssue()
    if len(qualifiers) > PLAYLIST_ISSUE_INLINE:
        from badges import tasks
        from badges.jobs import PLAYLIST_ISSUE

        job = job_start(
            kind=PLAYLIST_ISSUE.name,
            task=tasks.issue_playlist_badge_to_qualifiers,
            organisation=playlist.organisation,
            started_by=user,
            ref=playlist,
            total=len(qualifiers),
            task_kwargs={"playlist_id": playlist.pk},
            return_url=reverse(
                "badges:playlist_detail", kwargs={"org_slug": playlist.organisation.slug, "pk": playlist.pk}
            ),
        )
        return QualifierIssue(queued=len(qualifiers), job=job)
    badge = BadgeClass.objects.select_for_update().select_related("organisation").get(playlist=playlist)
    issued = _issue_playlist_badge(badge=badge, user_ids=qualifiers, actor=user)
    _audit_qualifiers(badge, len(issued), user)
    return QualifierIssue(issued=len(issued))


def playlist_badge_issue_to_qualifiers(*, playlist_id: int, actor_id: int | None, run: JobRun | None = None) -> int:
    """The background job's work: issue the playlist badge to everyone who completes the playlist now, a batch
    per transaction, reporting to `run`. Safe to run twice or at once: each batch locks the badge and skips
    holders, so a run started again after a lost worker issues only what is left."""
    playlist = Playlist.objects.filter(pk=playlist_id, status=PublishStatus.PUBLISHED).first()
    if playlist is None:
        if run is not None:
            run.finish(_("The playlist was unpublished before its badge could be issued."))
        return 0
    candidates = playlist_qualifiers(playlist)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    if run is not None:
        run.set_total(len(candidates))
    total, badge = 0, None
    for start in range(0, len(candidates), PLAYLIST_ISSUE_BATCH):
        chunk = candidates[start : start + PLAYLIST_ISSUE_BATCH]
        with transaction.atomic():
            badge = BadgeClass.objects.select_for_update().select_related("organisation").get(playlist_id=playlist_id)
            if not Playlist.objects.filter(pk=playlist_id, status=PublishStatus.PUBLISHED).exists():
                break
            batch = _without_holders(badge, chunk)
            issued = len(_issue_playlist_badge(badge=badge, user_ids=batch, actor=actor))
        total += issued
        if run is not None:
            run.count("issued", issued)
            run.count("skipped", len(chunk) - issued, reason=_("Got the badge meanwhile."))
            run.advance(len(chunk))
    if total:
        _audit_qualifiers(badge, total, actor)
    return total
