"""Reads of the badges app: organiser lists, queues, the learner dashboard and the catalogue."""

from django.db.models import Case, Count, Exists, F, IntegerField, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from badges.jobs import BAKE
from badges.models import (
    Activity,
    Assertion,
    BadgeClass,
    BadgeEvent,
    EvidenceSubmission,
    PendingLinkClaim,
    Playlist,
    PlaylistItem,
    PublishStatus,
    Quest,
    Task,
)
from jobs.selectors import prepared_jobs_about
from learnerpass.lib.counts import CappedCount, CappedNumber
from learnerpass.lib.prepared import prepared
from organisations.models import Organisation

# Keyset orders of the organiser's lists (learnerpass.lib.keyset), along the indexes that serve them.
HOLDER_ORDER = ("-issued_on", "-id")
QUEUE_ORDER = ("submitted_at", "id")


def waiting_for_organisers(organisation):
    """Evidence waiting for the organisers: organiser-reviewed tasks and peer reviews that fell to them
    (the rows alone: what counts them joins nothing more)."""
    return EvidenceSubmission.objects.filter(
        task__badge__organisation=organisation, status=EvidenceSubmission.Status.SUBMITTED
    ).filter(Q(task__approval=Task.Approval.ORGANISER) | Q(escalated=True))


# The activities page, the organisers' badge home: its queries are prepared.
@prepared
def organiser_activities(organisation_id):
    # Capped: an exact count read every holder of every badge on each visit.
    holders = Assertion.objects.filter(badge__activity=OuterRef("pk"), revoked_at__isnull=True)
    return (
        Activity.objects.filter(organisation_id=organisation_id)
        .select_related("badge")
        .annotate(holders=CappedCount(holders))
        .order_by("-created_at", "-id")
    )


@prepared
def organiser_playlists(organisation_id):
    return (
        Playlist.objects.filter(organisation_id=organisation_id)
        .select_related("badge")
        .annotate(n_activities=Count("items", distinct=True))
        .order_by("-created_at", "-id")
    )


@prepared
def waiting_count(organisation_id):
    """How much evidence waits for the organisers (counted up to the cap), as a one-element list."""
    waiting = waiting_for_organisers(OuterRef("pk"))
    return Organisation.objects.filter(pk=organisation_id).annotate(n=CappedCount(waiting)).values_list("n", flat=True)


def organiser_queue(organisation):
    """The organisers' review queue: waiting_for_organisers, oldest first.

    Each row carries what the queue shows of its task, badge and learner (task_title, badge_public_id,
    badge_name, learner_email) as values of the same query: a page of 50 cost ~1 ms more with the
    three related objects built for every row."""
    return (
        waiting_for_organisers(organisation)
        .annotate(
            task_title=F("task__title"),
            badge_public_id=F("task__badge__public_id"),
            badge_name=F("task__badge__name"),
            learner_email=F("learner__email"),
        )
        .order_by(*QUEUE_ORDER)
    )


def peer_queue(user, *, badge_ids: set[int] | None = None):
    """Peer reviews this learner may do: other learners' evidence on badges they hold (unrevoked) or work
    towards now (services.is_peer says the same for one badge).

    `badge_ids`, when the caller has just loaded them, are those badges: the query then
    filters on them instead of looking up the learner's badges and quests for every submission.
    """
    if badge_ids is None:
        holds = Assertion.objects.filter(badge_id=OuterRef("task__badge_id"), recipient=user, revoked_at__isnull=True)
        quests = Quest.objects.filter(
            badge_id=OuterRef("task__badge_id"), learner=user, status=Quest.Status.IN_PROGRESS
        )
        peer_of = Q(Exists(holds)) | Q(Exists(quests))
    else:
        peer_of = Q(task__badge_id__in=badge_ids)
    return (
        EvidenceSubmission.objects.filter(
            status=EvidenceSubmission.Status.SUBMITTED, escalated=False, task__approval=Task.Approval.PEER
        )
        .exclude(learner=user)
        .filter(peer_of)
        .select_related("task__badge__organisation", "learner")
        .order_by("submitted_at", "id")
    )


def org_summary(organisation) -> list[tuple[str, int]]:
    """Figures for the organiser home tile (two queries)."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    counts = Activity.objects.filter(organisation=organisation).aggregate(
        total=Count("id"), published=Count("id", filter=Q(status=PublishStatus.PUBLISHED))
    )
    pending = CappedNumber(waiting_count(organisation.pk)[0])
    return [
        (ngettext("published activity", "published activities", counts["published"]), counts["published"]),
        (_("evidence waiting for review"), pending),
    ]


def playlist_badges_earned_with(assertion: Assertion) -> list[Assertion]:
    """The holder's live playlist badges whose playlist includes this assertion's activity."""
    badge = assertion.badge
    if badge.activity_id is None or assertion.recipient_id is None:
        return []
    return list(
        Assertion.objects.filter(
            recipient_id=assertion.recipient_id,
            revoked_at__isnull=True,
            badge__organisation_id=badge.organisation_id,
            badge__playlist__items__activity_id=badge.activity_id,
        )
        .select_related("badge")
        .distinct()
    )


# What the holders' list and its CSV show: not the signed credential nor the evidence, which can be long.
HOLDER_FIELDS = (
    "id", "badge_id", "public_id", "recipient_email", "recipient_id", "issued_on", "source", "revoked_at",
    "revocation_reason",
)  # fmt: skip


def badge_holders(badge: BadgeClass):
    return badge.assertions.only(*HOLDER_FIELDS).order_by(*HOLDER_ORDER)


# The organiser lists' page size (the views take it from here, and first_holders reads one page and one row).
PAGE_SIZE = 50


@prepared
def first_holders(badge_id):
    """The first page of the badge's holders (and one more row, to tell whether a next page exists)."""
    return Assertion.objects.filter(badge_id=badge_id).only(*HOLDER_FIELDS).order_by(*HOLDER_ORDER)[: PAGE_SIZE + 1]


@prepared
def _dashboard_assertions(user_id):
    return (
        Assertion.objects.filter(recipient_id=user_id)
        .select_related("badge__organisation")
        .only(
            "public_id",
            "badge_id",
            "issued_on",
            "expires",
            "evidence",
            "show_evidence",
            "revoked_at",
            "revocation_reason",
            "badge__name",
            "badge__activity_id",
            "badge__playlist_id",
            "badge__organisation__name",
        )
        .order_by("-issued_on", "-id")
    )


@prepared
def _dashboard_quests(user_id):
    return (
        Quest.objects.filter(learner_id=user_id, status=Quest.Status.IN_PROGRESS)
        .select_related("badge__organisation")
        .only("badge_id", "badge__public_id", "badge__name", "badge__organisation__name")
        .order_by("-started_at")
    )


@prepared
def _dashboard_task_statuses(user_id):
    """(badge_id, the learner's status or None) for each task with evidence of the badges the learner
    works towards."""
    mine = EvidenceSubmission.objects.filter(task=OuterRef("pk"), learner_id=user_id).values("status")[:1]
    return (
        Task.objects.filter(badge__quests__learner_id=user_id, badge__quests__status=Quest.Status.IN_PROGRESS)
        .exclude(evidence_kind=Task.Evidence.NONE)
        .annotate(my_status=Subquery(mine))
        .values_list("badge_id", "my_status")
    )


def _add_task_counts(quests: list[Quest], user) -> None:
    """Where the learner stands on each quest: tasks approved, waiting, sent back (one query, none without quests)."""
    if not quests:
        return
    counts: dict[int, dict[str, int]] = {}
    for badge_id, status in _dashboard_task_statuses(user.pk):
        entry = counts.setdefault(badge_id, {"total": 0, "approved": 0, "submitted": 0, "rejected": 0})
        entry["total"] += 1
        if status:
            entry[status] += 1
    for quest in quests:
        quest.task_counts = counts.get(quest.badge_id, {"total": 0, "approved": 0, "submitted": 0, "rejected": 0})


@prepared
def _dashboard_playlist_items(user_id):
    """The activities of the published playlists the learner has a hand in: one of their activities'
    badges held (unrevoked), or the playlist's own badge held, even revoked."""
    held = Assertion.objects.filter(recipient_id=user_id)
    mine = Playlist.objects.filter(status=PublishStatus.PUBLISHED).filter(
        Q(items__activity__badge__in=held.filter(revoked_at__isnull=True).values("badge_id"))
        | Q(badge__in=held.values("badge_id"))
    )
    return (
        PlaylistItem.objects.filter(playlist__in=mine.values("pk"))
        .select_related("playlist", "activity")
        .only(
            "playlist_id",
            "activity_id",
            "playlist__public_id",
            "playlist__title",
            "playlist__rule",
            "playlist__min_count",
            "activity__public_id",
            "activity__title",
        )
        .order_by("playlist_id", "position", "id")
    )


@prepared
def _dashboard_pending_claims(user_id):
    return (
        PendingLinkClaim.objects.filter(user_id=user_id)
        .select_related("link__badge__organisation")
        .only(
            "link__code",
            "link__enabled",
            "link__expires_at",
            "link__badge_id",
            "link__badge__name",
            "link__badge__organisation__name",
        )
    )


def learner_dashboard(user) -> dict:
    """The learner's badges, quests and playlist progress, in a constant number of queries.

    The dashboard is loaded on every visit to /me/: its queries are prepared (their SQL built once per
    process) and load only the columns it shows.
    """
    assertions = _dashboard_assertions(user.pk)
    live = [a for a in assertions if not a.is_revoked]
    held_badges = {a.badge_id for a in live}
    in_progress = _dashboard_quests(user.pk)
    quests = [q for q in in_progress if q.badge_id not in held_badges]
    # A revoked activity badge never counts as done; it shows as left, to be earned again.
    _add_task_counts(quests, user)
    held_activities = {a.badge.activity_id for a in live if a.badge.activity_id}
    # Playlists whose badge the person holds, or held until it was revoked (a badge's playlist_id says which).
    held_playlists = {a.badge.playlist_id for a in live if a.badge.playlist_id}
    revoked_playlists = {a.badge.playlist_id for a in assertions if a.is_revoked and a.badge.playlist_id}
    playlists: dict[int, dict] = {}
    if held_activities or held_playlists or revoked_playlists:
        for item in _dashboard_playlist_items(user.pk):
            entry = playlists.setdefault(
                item.playlist_id, {"playlist": item.playlist, "done": [], "left": [], "completed": False}
            )
            (entry["done"] if item.activity_id in held_activities else entry["left"]).append(item.activity)
    for entry in playlists.values():
        playlist = entry["playlist"]
        total = len(entry["done"]) + len(entry["left"])
        entry["required"] = playlist.required_count(total)
        entry["total"] = total
        # A playlist badge once earned stays earned, even if an activity badge behind it is revoked later.
        entry["completed"] = playlist.pk in held_playlists
        entry["revoked"] = not entry["completed"] and playlist.pk in revoked_playlists
        entry["percent"] = min(100, round(100 * len(entry["done"]) / entry["required"])) if entry["required"] else 0
    # Peers are those who hold the badge or work towards it now: without either, nothing to count.
    peer_badges = held_badges | {q.badge_id for q in in_progress}
    reviews = peer_queue(user, badge_ids=peer_badges).count() if peer_badges else 0
    # Badge links opened before the account was confirmed (maybe in another browser): offer to continue.
    # A person has a handful at most: the link's state is checked here rather than in the query.
    now = timezone.now()
    pending_claims = [
        claim
        for claim in _dashboard_pending_claims(user.pk)
        if claim.link.enabled
        and (claim.link.expires_at is None or claim.link.expires_at > now)
        and claim.link.badge_id not in held_badges
    ]
    return {
        "pending_claims": pending_claims,
        "assertions": assertions,
        "quests": quests,
        "playlists": list(playlists.values()),
        "peer_reviews": reviews,
    }


# The organiser's badge page, loaded after every action on the badge: its queries are prepared.
BADGE_PAGE_PENDING = 20


@prepared
def badge_page_tasks(badge_id):
    """The badge's tasks, each with how many pieces of evidence it has (capped)."""
    submissions = EvidenceSubmission.objects.filter(task=OuterRef("pk"))
    return Task.objects.filter(badge_id=badge_id).annotate(n_submissions=CappedCount(submissions))


def badge_pending_evidence(badge_id):
    """Evidence waiting for review on the badge's tasks, the oldest first."""
    return EvidenceSubmission.objects.filter(task__badge_id=badge_id, status=EvidenceSubmission.Status.SUBMITTED)


@prepared
def badge_page_pending(badge_id):
    return (
        badge_pending_evidence(badge_id)
        .select_related("task", "learner")
        .order_by("submitted_at", "id")[:BADGE_PAGE_PENDING]
    )


def with_quests_in_progress(badges):
    """Annotate n_quests: how many learners work towards each badge now (counted up to the cap)."""
    quests = Quest.objects.filter(badge=OuterRef("pk"), status=Quest.Status.IN_PROGRESS)
    return badges.annotate(n_quests=CappedCount(quests))


@prepared
def badge_page_events(badge_id):
    return BadgeEvent.objects.filter(badge_id=badge_id).annotate(actor_email=F("actor__email"))[:20]


# The badge's latest baking jobs.
badge_page_jobs = prepared_jobs_about(BadgeClass, kinds=[BAKE.name], limit=5)


MAX_SEARCH_WORDS = 10


def _all_words(queryset, q: str):
    """Every word of the query, in any order, in the title or the description ("compass map" finds
    "Map & compass basics")."""
    for word in q.split()[:MAX_SEARCH_WORDS]:
        queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return queryset


def _upcoming_first(queryset, *, start: str, end: str, today):
    """Current and upcoming first, the soonest first and the undated (always open) after them; then the
    past, the most recent first. `end` is the last day (the start day for one-day activities)."""
    is_past = Case(When(**{f"{end}__lt": today}, then=Value(1)), default=Value(0), output_field=IntegerField())
    return queryset.annotate(is_past=is_past).order_by(
        "is_past",
        Case(When(is_past=0, then=F(start))).asc(nulls_last=True),
        Case(When(is_past=1, then=F(end))).desc(nulls_last=True),
        "title",
        "id",
    )


def catalogue(*, q: str = "", organiser: str = "", place: str = "", date_from=None, date_to=None, organisation=None):
    """Published activities and playlists matching the search (of one organisation, when given), current
    and upcoming ones first, then past ones.

    A playlist's dates are the span of its activities: from the earliest start to the latest end
    (an activity without an end date ends on its start date), so the date filters treat both alike.
    """
    activities = Activity.objects.filter(status=PublishStatus.PUBLISHED, organisation__isnull=False)
    playlists = Playlist.objects.filter(status=PublishStatus.PUBLISHED)
    if organisation is not None:
        activities = activities.filter(organisation=organisation)
        playlists = playlists.filter(organisation=organisation)
    if q:
        activities = _all_words(activities, q)
        playlists = _all_words(playlists, q)
    if organiser:
        activities = activities.filter(organisation__name__icontains=organiser)
        playlists = playlists.filter(organisation__name__icontains=organiser)
    if place:
        activities = activities.filter(place__icontains=place)
        # A subquery, not a join: joining would make the counts and dates below see only the matching activities.
        playlists = playlists.filter(
            Exists(PlaylistItem.objects.filter(playlist=OuterRef("pk"), activity__place__icontains=place))
        )
    if date_from:
        activities = activities.filter(Q(end_date__gte=date_from) | Q(end_date__isnull=True, start_date__gte=date_from))
    if date_to:
        activities = activities.filter(start_date__lte=date_to)
    today = timezone.now().date()
    activities = _upcoming_first(
        activities.select_related("organisation", "badge").annotate(last_day=Coalesce("end_date", "start_date")),
        start="start_date",
        end="last_day",
        today=today,
    )
    playlists = playlists.select_related("organisation", "badge").annotate(
        n_activities=Count("items", distinct=True),
        start_date=Min("items__activity__start_date"),
        end_date=Max(Coalesce("items__activity__end_date", "items__activity__start_date")),
    )
    if date_from:
        playlists = playlists.filter(end_date__gte=date_from)
    if date_to:
        playlists = playlists.filter(start_date__lte=date_to)
    return activities, _upcoming_first(playlists, start="start_date", end="end_date", today=today)
