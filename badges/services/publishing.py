"""Activities, playlists, badge classes, links and tasks: what organisers set up."""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from badges import images
from badges.models import (
    ALIGNMENT_KEYS,
    Activity,
    Assertion,
    BadgeClass,
    BadgeEvent,
    BadgeLink,
    EvidenceSubmission,
    Playlist,
    PlaylistItem,
    PublishStatus,
    Task,
)
from badges.services.common import BadgesError, IssueReport, audit, parse_emails
from badges.services.playlists import playlist_issue_to_qualifiers
from learnerpass.lib.storage import PUBLIC, delete_on_commit
from learnerpass.lib.urls import absolute_url
from organisations.models import Organisation
from outbox.services import build_email, emails_queue

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


def _publish(source: Activity | Playlist, *, user, criteria: str) -> None:
    """Publish a locked activity or playlist; the first publication creates its badge class from its text."""
    kind = source._meta.model_name
    source.status = PublishStatus.PUBLISHED
    source.published_at = timezone.now()
    source.save(update_fields=["status", "published_at"])
    badge = BadgeClass.objects.filter(**{kind: source}).first() or _create_badge_for(
        organisation=source.organisation,
        name=source.title,
        description=source.description,
        criteria=criteria,
        **{kind: source},
    )
    audit(
        organisation_id=source.organisation_id,
        actor=user,
        action=BadgeEvent.Action.PUBLISHED,
        badge=badge,
        detail=f"{kind} {source.title}",
    )


def _unpublish(source: Activity | Playlist, *, user, refusal: str) -> None:
    # The badge class stays: its holders keep their badges, and publishing again reuses it.
    kind = source._meta.model_name
    source = type(source).objects.select_for_update().get(pk=source.pk)
    if source.status != PublishStatus.PUBLISHED:
        raise BadgesError(refusal)
    source.status = PublishStatus.UNPUBLISHED
    source.save(update_fields=["status"])
    audit(
        organisation_id=source.organisation_id,
        actor=user,
        action=BadgeEvent.Action.UNPUBLISHED,
        badge=BadgeClass.objects.filter(**{kind: source}).first(),
        detail=f"{kind} {source.title}",
    )


@transaction.atomic
def activity_publish(*, activity: Activity, user) -> Activity:
    """Publish; the first publication creates the activity's badge class from its text."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status == PublishStatus.PUBLISHED:
        raise BadgesError(_("This activity is already published."))
    _publish(activity, user=user, criteria=activity.criteria)
    return activity


@dataclass
class Detached:
    """What unpublishing an activity did to the published playlists that needed it."""

    playlists: list[Playlist] = field(default_factory=list)
    unpublished: list[Playlist] = field(default_factory=list)
    issued: int = 0
    queued: int = 0


def playlists_needing(activity: Activity) -> list[Playlist]:
    """The published playlists that hold this activity: unpublishing it would leave them impossible to complete."""
    return list(
        Playlist.objects.filter(items__activity=activity, status=PublishStatus.PUBLISHED).order_by("title", "id")
    )


def _quoted(playlists: list[Playlist]) -> str:
    return ", ".join(f"“{p.title}”" for p in playlists)


@transaction.atomic
def activity_unpublish(*, activity: Activity, user, detach_from_playlists: bool = False) -> Detached:
    """Unpublish. When published playlists need the activity, only with `detach_from_playlists`: it is taken
    out of them (an "at least N" shrinks to what is left, a playlist left empty is unpublished, and whoever
    now completes one gets its badge); otherwise refused, naming them."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != PublishStatus.PUBLISHED:
        raise BadgesError(_("This activity is not published."))
    needing = playlists_needing(activity)
    if needing and not detach_from_playlists:
        raise BadgesError(
            ngettext(
                "The published playlist %(names)s needs this activity. Confirm to take it out of it.",
                "The published playlists %(names)s need this activity. Confirm to take it out of them.",
                len(needing),
            )
            % {"names": _quoted(needing)}
        )
    _unpublish(activity, user=user, refusal=_("This activity is not published."))
    result = Detached()
    for playlist in needing:
        _detach(playlist, activity, user=user, result=result)
    return result


def _detach(playlist: Playlist, activity: Activity, *, user, result: Detached) -> None:
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    PlaylistItem.objects.filter(playlist=playlist, activity=activity).delete()
    left = playlist.items.count()
    if playlist.rule == Playlist.Rule.AT_LEAST and playlist.min_count > max(left, 1):
        playlist.min_count = max(left, 1)
        playlist.save(update_fields=["min_count"])
    audit(
        organisation_id=playlist.organisation_id,
        actor=user,
        action=BadgeEvent.Action.EDITED,
        badge=BadgeClass.objects.filter(playlist=playlist).first(),
        detail=f"{activity.title} taken out: the activity was unpublished",
    )
    result.playlists.append(playlist)
    if not left:
        _unpublish(playlist, user=user, refusal=_("This playlist is not published."))
        result.unpublished.append(playlist)
        return
    issue = playlist_issue_to_qualifiers(playlist=playlist, user=user)
    result.issued += issue.issued
    result.queued += issue.queued


def _set_playlist_items(playlist: Playlist, activity_ids: list[int]) -> None:
    allowed = set(
        Activity.objects.filter(
            organisation_id=playlist.organisation_id, status=PublishStatus.PUBLISHED, pk__in=activity_ids
        ).values_list("pk", flat=True)
    )
    chosen = [pk for pk in dict.fromkeys(activity_ids) if pk in allowed]
    if len(chosen) != len(dict.fromkeys(activity_ids)):
        raise BadgesError(_("A playlist can only hold published activities of this organisation."))
    # Keep the order the organiser arranged; activities added now go to the end.
    current = list(
        PlaylistItem.objects.filter(playlist=playlist).order_by("position", "id").values_list("activity_id", flat=True)
    )
    ordered = [pk for pk in current if pk in chosen] + [pk for pk in chosen if pk not in current]
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
    """Save the playlist; when published, its badge goes to everyone the new rule or activities complete
    (what was done is in `playlist.qualifiers`, a QualifierIssue)."""
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    for key in PLAYLIST_FIELDS:
        if key in data:
            setattr(playlist, key, data[key])
    playlist.save()
    _set_playlist_items(playlist, activity_ids)
    playlist.qualifiers = playlist_issue_to_qualifiers(playlist=playlist, user=user)
    return playlist


@transaction.atomic
def playlist_publish(*, playlist: Playlist, user) -> Playlist:
    """Publish; everyone who already completes the playlist gets its badge (`playlist.qualifiers` says how many,
    issued now or queued for a background task)."""
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    if playlist.status == PublishStatus.PUBLISHED:
        raise BadgesError(_("This playlist is already published."))
    if not playlist.items.exists():
        raise BadgesError(_("Add at least one published activity before publishing the playlist."))
    unpublished = list(
        playlist.items.exclude(activity__status=PublishStatus.PUBLISHED).values_list("activity__title", flat=True)
    )
    if unpublished:
        raise BadgesError(
            _("Publish these activities first, or take them out of the playlist: %(titles)s")
            % {"titles": ", ".join(unpublished)}
        )
    criteria = _("Earn the badges of the playlist's activities (%(rule)s).") % {"rule": _rule_text(playlist)}
    _publish(playlist, user=user, criteria=criteria)
    playlist.qualifiers = playlist_issue_to_qualifiers(playlist=playlist, user=user)
    return playlist


def _rule_text(playlist: Playlist) -> str:
    if playlist.rule == Playlist.Rule.AT_LEAST:
        return ngettext("at least %(n)s of them", "at least %(n)s of them", playlist.min_count) % {
            "n": playlist.min_count
        }
    return _("all of them")


@transaction.atomic
def playlist_unpublish(*, playlist: Playlist, user) -> None:
    _unpublish(playlist, user=user, refusal=_("This playlist is not published."))


@dataclass(frozen=True)
class Expiry:
    """A badge's expiry rule: `after` days or months after issue, or the end of the day `on` (UTC); neither: never."""

    after: int | None = None
    unit: str = BadgeClass.ExpiryUnit.MONTHS
    on: date | None = None


MAX_EXPIRY = {BadgeClass.ExpiryUnit.DAYS: 3650, BadgeClass.ExpiryUnit.MONTHS: 120}
MAX_ALIGNMENTS = 10
MAX_TAGS = 20
MAX_TAG_LENGTH = 50


def _set_expiry(badge: BadgeClass, expiry: Expiry) -> None:
    if expiry.after is not None and expiry.on is not None:
        raise BadgesError(_("Choose either a number of days or months after issue, or a fixed date; not both."))
    if expiry.after is not None:
        if expiry.unit not in MAX_EXPIRY:
            raise BadgesError(_("Choose days or months."))
        if not 1 <= expiry.after <= MAX_EXPIRY[expiry.unit]:
            raise BadgesError(
                _("The badge can expire between 1 and %(days)s days, or 1 and %(months)s months, after issue.")
                % {"days": MAX_EXPIRY["days"], "months": MAX_EXPIRY["months"]}
            )
    if expiry.on is not None and expiry.on < timezone.now().date():
        raise BadgesError(_("The fixed expiry date has passed; choose a date from today on."))
    badge.expires_after, badge.expires_on = expiry.after, expiry.on
    badge.expires_after_unit = expiry.unit if expiry.unit in MAX_EXPIRY else BadgeClass.ExpiryUnit.MONTHS


_url_validator = URLValidator(schemes=["http", "https"])


def clean_alignment(items: list[dict]) -> list[dict]:
    """Keep the OB 2.0 AlignmentObject keys, trimmed; every alignment needs a name and an http(s) URL."""
    cleaned = []
    for number, item in enumerate(items, start=1):
        entry = {key: str(item.get(key) or "").strip() for key in ALIGNMENT_KEYS}
        if not any(entry.values()):
            continue
        if not entry["targetName"] or not entry["targetUrl"]:
            raise BadgesError(
                _("Alignment %(n)s needs both the name and the URL of what it aligns to.") % {"n": number}
            )
        try:
            _url_validator(entry["targetUrl"])
        except ValidationError:
            raise BadgesError(
                _("Alignment %(n)s: the URL must be a full http or https address.") % {"n": number}
            ) from None
        if any(len(value) > (2000 if key == "targetDescription" else 500) for key, value in entry.items()):
            raise BadgesError(_("Alignment %(n)s has a value that is too long.") % {"n": number})
        cleaned.append({key: value for key, value in entry.items() if value})
    if len(cleaned) > MAX_ALIGNMENTS:
        raise BadgesError(
            ngettext("At most %(n)s alignment.", "At most %(n)s alignments.", MAX_ALIGNMENTS) % {"n": MAX_ALIGNMENTS}
        )
    return cleaned


def clean_tags(tags: list[str]) -> list[str]:
    """Trimmed, without repeats (compared case-insensitively), in the order given."""
    found: dict[str, str] = {}
    for tag in tags:
        tag = " ".join(str(tag).split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise BadgesError(
                ngettext(
                    "A tag can have at most %(n)s character.",
                    "A tag can have at most %(n)s characters.",
                    MAX_TAG_LENGTH,
                )
                % {"n": MAX_TAG_LENGTH}
            )
        found.setdefault(tag.lower(), tag)
    if len(found) > MAX_TAGS:
        raise BadgesError(ngettext("At most %(n)s tag.", "At most %(n)s tags.", MAX_TAGS) % {"n": MAX_TAGS})
    return list(found.values())


@transaction.atomic
def badge_update(
    *,
    badge: BadgeClass,
    user,
    name: str,
    description: str,
    criteria: str,
    image=None,
    remove_image: bool = False,
    expiry: Expiry | None = None,
    alignment: list[dict] | None = None,
    tags: list[str] | None = None,
) -> BadgeClass:
    """Edit the badge class. `expiry`, `alignment` and `tags` left as None stay as they are; the expiry applies
    to assertions issued from now on (those issued before keep theirs)."""
    badge = BadgeClass.objects.select_for_update().get(pk=badge.pk)
    badge.name, badge.description, badge.criteria = name, description, criteria
    if expiry is not None:
        _set_expiry(badge, expiry)
    if alignment is not None:
        badge.alignment = clean_alignment(alignment)
    if tags is not None:
        badge.tags = clean_tags(tags)
    image_changed = False
    old_image = badge.image.name
    if image is not None:
        try:
            data, kind = images.clean_upload(image)
        except images.ImageError as exc:
            raise BadgesError(str(exc)) from None
        badge.image.save(f"image.{kind}", ContentFile(data), save=False)
        image_changed = True
    elif remove_image and badge.image:
        badge.image = ""
        image_changed = True
    badge.save()
    # The signed 3.0 credentials state the badge's name, description and criteria: sign them again on request.
    Assertion.objects.filter(badge=badge).exclude(credential="").update(credential="")
    if image_changed:
        # The replaced picture goes, and so do the baked images that carry it: a background job
        # bakes every live one again.
        delete_on_commit(PUBLIC, old_image)
        baked = Assertion.objects.select_for_update().filter(badge=badge).exclude(baked_image="")
        for name in baked.values_list("baked_image", flat=True):
            delete_on_commit(PUBLIC, name)
        baked.update(baked_image="")
        from badges.services.issuing import bake_after_commit

        bake_after_commit(
            list(Assertion.objects.filter(badge=badge, revoked_at__isnull=True).only("pk")),
            badge=badge,
            started_by=user,
        )
    audit(
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
    audit(
        organisation_id=badge.organisation_id,
        actor=user,
        action=BadgeEvent.Action.LINK_CHANGED,
        badge=badge,
        detail=_link_summary(link, new_code=new_code),
    )
    return link


def _link_summary(link: BadgeLink, *, new_code: bool) -> str:
    parts = [_("link on") if link.enabled else _("link off")]
    if link.expires_at:
        parts.append(_("expires %(when)s UTC") % {"when": link.expires_at.strftime("%Y-%m-%d %H:%M")})
    if link.max_claims is not None:
        parts.append(ngettext("at most %(n)s claim", "at most %(n)s claims", link.max_claims) % {"n": link.max_claims})
    if new_code:
        parts.append(_("new link (the old one and its QR code stopped working)"))
    return ", ".join(str(p) for p in parts)


def _task_summary(task: Task) -> str:
    return f"{task.title} ({task.get_evidence_kind_display()}, {task.get_approval_display()})"


def _audit_task(task: Task, *, user, action: str, detail: str) -> None:
    audit(organisation_id=task.badge.organisation_id, actor=user, action=action, badge=task.badge, detail=detail)


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
    badge = BadgeClass.objects.select_for_update().get(pk=badge.pk)
    last = badge.tasks.order_by("-position").values_list("position", flat=True).first()
    task = Task.objects.create(
        badge=badge,
        title=title,
        description=description,
        evidence_kind=evidence_kind,
        approval=approval,
        peer_review_days=peer_review_days,
        position=0 if last is None else last + 1,
    )
    _audit_task(task, user=user, action=BadgeEvent.Action.TASK_ADDED, detail=_task_summary(task))
    return task


TASK_FIELDS = ("title", "description", "evidence_kind", "approval", "peer_review_days")


@transaction.atomic
def task_update(*, task: Task, user, data: dict) -> Task:
    """Edit a task. What learners already sent stays valid: the kind of evidence cannot change once evidence
    was submitted, nor the way it is approved while evidence waits for review."""
    task = Task.objects.select_for_update().select_related("badge").get(pk=task.pk)
    before = {key: getattr(task, key) for key in TASK_FIELDS}
    after = {key: data.get(key, before[key]) for key in TASK_FIELDS}
    if after["evidence_kind"] != before["evidence_kind"] and task.submissions.exists():
        raise BadgesError(
            _("Learners have submitted evidence for this task, so its kind of evidence cannot change. Add a new task.")
        )
    waiting = task.submissions.filter(status=EvidenceSubmission.Status.SUBMITTED).exists()
    if after["approval"] != before["approval"] and waiting:
        raise BadgesError(_("Evidence for this task waits for review; change how it is approved once it is reviewed."))
    changed = [key for key in TASK_FIELDS if after[key] != before[key]]
    if not changed:
        return task
    for key in changed:
        setattr(task, key, after[key])
    task.save(update_fields=changed)
    labels = {str(Task._meta.get_field(key).verbose_name) for key in changed}
    _audit_task(
        task,
        user=user,
        action=BadgeEvent.Action.TASK_EDITED,
        detail=f"{_task_summary(task)}: {', '.join(sorted(labels))}",
    )
    return task


@transaction.atomic
def task_move(*, task: Task, user, up: bool) -> None:
    """Swap a task with its neighbour: learners see the tasks in this order."""
    BadgeClass.objects.select_for_update().get(pk=task.badge_id)
    tasks = list(Task.objects.filter(badge_id=task.badge_id).order_by("position", "id"))
    index = next((i for i, t in enumerate(tasks) if t.pk == task.pk), None)
    if index is None:
        raise BadgesError(_("This task is not on this badge."))
    other = index - 1 if up else index + 1
    if not 0 <= other < len(tasks):
        raise BadgesError(_("This task is already first.") if up else _("This task is already last."))
    tasks[index], tasks[other] = tasks[other], tasks[index]
    for position, item in enumerate(tasks):
        item.position = position
    Task.objects.bulk_update(tasks, ["position"])
    moved = tasks[other]
    _audit_task(
        moved,
        user=user,
        action=BadgeEvent.Action.TASK_MOVED,
        detail=f"{moved.title} moved to {other + 1} of {len(tasks)}",
    )


@transaction.atomic
def task_delete(*, task: Task, user) -> None:
    task = Task.objects.select_for_update().select_related("badge").get(pk=task.pk)
    if task.submissions.exists():
        raise BadgesError(_("Learners have already submitted evidence for this task; it cannot be deleted."))
    _audit_task(task, user=user, action=BadgeEvent.Action.TASK_DELETED, detail=_task_summary(task))
    task.delete()


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
    audit(
        organisation_id=playlist.organisation_id,
        actor=user,
        action=BadgeEvent.Action.INVITED,
        badge=BadgeClass.objects.filter(playlist=playlist).first(),
        detail=f"{len(emails)} to {playlist.title}",
    )
    return report
