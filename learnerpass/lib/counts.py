"""Counts that stop at a cap, so a page showing them costs the same at 100,000 rows as at 100.

An exact COUNT(*) reads every row it counts: the organisation home's "pending invitations" and
a program's pending count per run took tens of milliseconds at 100,000 invitations. Counting
at most COUNT_CAP + 1 rows bounds that; the page shows "1,000+" beyond the cap
({{ n|capped }}, from learnerpass_tags).
"""

from django.db.models import IntegerField, QuerySet, Subquery

COUNT_CAP = 1000


class CappedCount(Subquery):
    """Annotate how many rows an OuterRef-filtered queryset has, counting at most cap + 1."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped_count)"

    def __init__(self, queryset: QuerySet, cap: int | None = None):
        cap = COUNT_CAP if cap is None else cap
        super().__init__(queryset.order_by().values("pk")[: cap + 1], output_field=IntegerField())


class CappedNumber(int):
    """A count that stopped at COUNT_CAP + 1: the templates show it as "1,000+" beyond the cap."""


def capped_count(queryset: QuerySet, cap: int | None = None) -> CappedNumber:
    """How many rows `queryset` has, up to cap + 1 (one query that reads at most that many)."""
    cap = COUNT_CAP if cap is None else cap
    return CappedNumber(queryset.order_by().values("pk")[: cap + 1].count())
