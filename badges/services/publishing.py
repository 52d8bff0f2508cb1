"""Activities, playlists, badge classes, links and tasks: what organisers set up."""

import secrets
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from badges import images
from badges.models import (
    Activity,
    Assertion,
    BadgeClass,
    BadgeEvent,
    BadgeLink,
    Playlist,
    PlaylistItem,
    PublishStatus,
    Task,
)
from badges.services.common import BadgesError, IssueReport, audit, parse_emails
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


@transaction.atomic
def activity_unpublish(*, activity: Activity, user) -> None:
    _unpublish(activity, user=user, refusal=_("This activity is not published."))


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
    criteria = _("Earn the badges of the playlist's activities (%(rule)s).") % {"rule": _rule_text(playlist)}
    _publish(playlist, user=user, criteria=criteria)
    return playlist


def _rule_text(playlist: Playlist) -> str:
    if playlist.rule == Playlist.Rule.AT_LEAST:
        return _("at least %(n)s of them") % {"n": playlist.min_count}
    return _("all of them")


@transaction.atomic
def playlist_unpublish(*, playlist: Playlist, user) -> None:
    _unpublish(playlist, user=user, refusal=_("This playlist is not published."))


@transaction.atomic
def badge_update(
    *, badge: BadgeClass, user, name: str, description: str, criteria: str, image=None, remove_image: bool = False
) -> BadgeClass:
    badge = BadgeClass.objects.select_for_update().get(pk=badge.pk)
    badge.name, badge.description, badge.criteria = name, description, criteria
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
    if image_changed:
        # The replaced picture goes, and so do the baked images that carry it; they are baked
        # again on their next request.
        delete_on_commit(PUBLIC, old_image)
        baked = Assertion.objects.select_for_update().filter(badge=badge).exclude(baked_image="")
        for name in baked.values_list("baked_image", flat=True):
            delete_on_commit(PUBLIC, name)
        baked.update(baked_image="")
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
        parts.append(_("at most %(n)s claims") % {"n": link.max_claims})
    if new_code:
        parts.append(_("new link (the old one and its QR code stopped working)"))
    return ", ".join(str(p) for p in parts)


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
