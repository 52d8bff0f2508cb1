"""Reads for the organisers' numbers: badges issued per week, by issuing path, claims through the link,
evidence waiting and the median review time, per badge or for the whole organisation.

Each function runs a fixed number of queries, whatever the number of badges or assertions.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import ngettext

from badges.models import Assertion, BadgeClass, BadgeLink, EvidenceSubmission, Task

WEEKS = 26
# The median review time looks at the reviews done in this window (recent practice, bounded work).
REVIEW_WINDOW = timedelta(days=365)
SOURCES = [choice for choice, _label in Assertion.Source.choices]


@dataclass
class Numbers:
    weeks: list[tuple[date, int]] = field(default_factory=list)
    weekly_by_source: dict[date, dict[str, int]] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    issued: int = 0
    revoked: int = 0
    link_claims: int = 0
    evidence_waiting: int = 0
    median_review: timedelta | None = None
    reviews: int = 0

    @property
    def live(self) -> int:
        return self.issued - self.revoked

    @property
    def median_review_text(self) -> str:
        return duration_words(self.median_review) if self.median_review is not None else ""

    @property
    def source_rows(self) -> list[tuple[str, str, int]]:
        labels = dict(Assertion.Source.choices)
        return [(source, str(labels[source]), self.by_source.get(source, 0)) for source in SOURCES]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weeks(today: date) -> list[date]:
    last = week_start(today)
    return [last - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _fill(numbers: Numbers, assertions, today: date) -> None:
    weeks = _weeks(today)
    since = datetime.combine(weeks[0], datetime.min.time(), tzinfo=timezone.get_current_timezone())
    # 1. issued per week and path, in the last WEEKS weeks
    per_week: dict[date, dict[str, int]] = {week: {} for week in weeks}
    for week, source, n in (
        assertions.filter(issued_on__gte=since)
        .annotate(week=TruncWeek("issued_on"))
        .values_list("week", "source")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_week.setdefault(_as_date(week), {})[source] = n
    numbers.weekly_by_source = per_week
    numbers.weeks = [(week, sum(per_week[week].values())) for week in weeks]
    # 2. all time, by path, and how many were revoked
    for source, n, revoked in (
        assertions.values_list("source")
        .annotate(n=Count("id"), revoked=Count("id", filter=Q(revoked_at__isnull=False)))
        .order_by()
    ):
        numbers.by_source[source] = n
        numbers.issued += n
        numbers.revoked += revoked


def _median_review(submissions) -> tuple[timedelta | None, int]:
    """The median time from submission to review, of reviews by a person (not self-approval)."""
    since = timezone.now() - REVIEW_WINDOW
    durations = [
        reviewed - submitted
        for submitted, reviewed in submissions.filter(reviewed_at__gte=since)
        .exclude(task__approval=Task.Approval.SELF)
        .values_list("submitted_at", "reviewed_at")
    ]
    if not durations:
        return None, 0
    return statistics.median(durations), len(durations)


def badge_numbers(badge: BadgeClass, *, today: date | None = None) -> Numbers:
    """Five queries: per week and path, all time by path, link claims, evidence waiting, review times."""
    numbers = Numbers()
    _fill(numbers, Assertion.objects.filter(badge=badge), today or timezone.now().date())
    numbers.link_claims = BadgeLink.objects.filter(badge=badge).values_list("claims_count", flat=True).first() or 0
    submissions = EvidenceSubmission.objects.filter(task__badge=badge)
    numbers.evidence_waiting = submissions.filter(status=EvidenceSubmission.Status.SUBMITTED).count()
    numbers.median_review, numbers.reviews = _median_review(submissions)
    return numbers


def organisation_numbers(organisation, *, today: date | None = None) -> Numbers:
    """The same for all the organisation's badges (five queries)."""
    numbers = Numbers()
    _fill(numbers, Assertion.objects.filter(badge__organisation=organisation), today or timezone.now().date())
    numbers.link_claims = (
        BadgeLink.objects.filter(badge__organisation=organisation).aggregate(n=Sum("claims_count"))["n"] or 0
    )
    submissions = EvidenceSubmission.objects.filter(task__badge__organisation=organisation)
    numbers.evidence_waiting = submissions.filter(status=EvidenceSubmission.Status.SUBMITTED).count()
    numbers.median_review, numbers.reviews = _median_review(submissions)
    return numbers


def _count(queryset) -> Subquery:
    return Coalesce(
        Subquery(queryset.order_by().values("badge_id").annotate(n=Count("id")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def badges_with_numbers(organisation):
    """Every badge of the organisation with its figures, in one query (subqueries, no joins that multiply)."""
    mine = Assertion.objects.filter(badge_id=OuterRef("pk"))
    counts = {
        "n_issued": _count(mine),
        "n_revoked": _count(mine.filter(revoked_at__isnull=False)),
        **{f"n_{source}": _count(mine.filter(source=source)) for source in SOURCES},
        "n_waiting": Coalesce(
            Subquery(
                EvidenceSubmission.objects.filter(
                    task__badge_id=OuterRef("pk"), status=EvidenceSubmission.Status.SUBMITTED
                )
                .order_by()
                .values("task__badge_id")
                .annotate(n=Count("id"))
                .values("n")[:1]
            ),
            Value(0),
            output_field=IntegerField(),
        ),
    }
    return (
        BadgeClass.objects.filter(organisation=organisation)
        .select_related("link", "activity", "playlist")
        .annotate(**counts)
        .order_by("name", "id")
    )


def median_reviews_by_badge(organisation) -> dict[int, timedelta]:
    """The median review time of each badge (one query), for the CSV."""
    since = timezone.now() - REVIEW_WINDOW
    durations: dict[int, list[timedelta]] = {}
    for badge_id, submitted, reviewed in (
        EvidenceSubmission.objects.filter(task__badge__organisation=organisation, reviewed_at__gte=since)
        .exclude(task__approval=Task.Approval.SELF)
        .values_list("task__badge_id", "submitted_at", "reviewed_at")
    ):
        durations.setdefault(badge_id, []).append(reviewed - submitted)
    return {badge_id: statistics.median(values) for badge_id, values in durations.items()}


def link_claims_of(badge: BadgeClass) -> int:
    """Claims through the badge's link, read from a badge loaded with select_related("link")."""
    try:
        return badge.link.claims_count
    except BadgeLink.DoesNotExist:
        return 0


def duration_words(duration: timedelta) -> str:
    """ "3 days", "5 hours", "12 minutes": the largest unit that says it in whole numbers, rounded."""
    seconds = duration.total_seconds()
    if seconds >= 2 * 86400:
        n = round(seconds / 86400)
        return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
    if seconds >= 3600:
        n = round(seconds / 3600)
        return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
    n = max(1, round(seconds / 60))
    return ngettext("%(n)s minute", "%(n)s minutes", n) % {"n": n}


def hours(duration: timedelta | None) -> str:
    return "" if duration is None else f"{duration.total_seconds() / 3600:.1f}"
