"""Keyset pagination: a page costs the same at row 100,000 as at row 1.

A numbered page needs COUNT(*) over the whole list and an OFFSET that reads every row before
it; both grow with the list. Here a page starts after (or before) the last row seen, given by
its ordering values in the link, so the database reads an index range of one page, whatever
the list's length. The price: no "page 7 of 2,000", only newest/previous/next.

    page = keyset_page(queryset, order=("-id",), request=request, per_page=50)
    {% include "_keyset_pagination.html" %}

The ordering must end with a unique field (the primary key), so every row has one place, and
its fields must hold text, numbers or times (a time travels as ISO text in the cursor).
"""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils.http import urlencode

AFTER = "after"
BEFORE = "before"


@dataclass
class KeysetPage:
    object_list: list
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    # The other GET parameters (search, filters), to carry into the links.
    query_string: str = ""
    extra: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def _link(self, **cursor) -> str:
        parts = [part for part in (self.query_string, urlencode(cursor) if cursor else "") if part]
        return "?" + "&".join(parts)

    @property
    def first_url(self) -> str:
        return self._link()

    @property
    def next_url(self) -> str:
        return self._link(**{AFTER: self.next_cursor})

    @property
    def previous_url(self) -> str:
        return self._link(**{BEFORE: self.previous_cursor})


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list | None:
    """The ordering values in a cursor, or None when it is not one of ours (then the list starts over)."""
    if not cursor or len(cursor) > 1000:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != size:
        return None
    if not all(isinstance(value, str | int) and not isinstance(value, bool) for value in values):
        return None
    return values


def _beyond(order: tuple[str, ...], values: list, *, forward: bool) -> Q:
    """Rows strictly after `values` in `order` (before them when not forward).

    (a, b) > (x, y) is written a >= x AND (a > x OR (a = x AND b > y)): the first condition
    alone lets the database walk the index from x.
    """
    names = [name.lstrip("-") for name in order]
    ops = []
    for name in order:
        descending = name.startswith("-")
        ops.append("lt" if descending == forward else "gt")
    strict = Q()
    for index in range(len(order) - 1, -1, -1):
        step = Q(**{f"{names[index]}__{ops[index]}": values[index]})
        if index < len(order) - 1:
            step |= Q(**{names[index]: values[index]}) & strict
        strict = step
    leading = Q(**{f"{names[0]}__{ops[0]}e": values[0]})
    return leading & strict


def keyset_page(
    queryset: QuerySet, *, order: tuple[str, ...], request, per_page: int, first: Callable[[], list] | None = None
) -> KeysetPage:
    """One page of `queryset` in `order`, from the `after`/`before` cursor in the request's GET parameters.

    `first`, when given, returns the first rows of `queryset` in `order`, at least per_page + 1 of them
    (any more are cut): the page most visits load, as a prepared query (learnerpass.lib.prepared)."""
    params = request.GET.copy()
    after = decode_cursor(params.pop(AFTER, [""])[-1], len(order))
    before = decode_cursor(params.pop(BEFORE, [""])[-1], len(order)) if after is None else None
    query_string = params.urlencode()
    names = [name.lstrip("-") for name in order]
    if before is not None:
        reverse = tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)
        rows = list(queryset.filter(_beyond(order, before, forward=False)).order_by(*reverse)[: per_page + 1])
        has_previous = len(rows) > per_page
        rows = rows[:per_page][::-1]
        has_next = True
    else:
        if after is not None:
            rows = list(queryset.filter(_beyond(order, after, forward=True)).order_by(*order)[: per_page + 1])
        elif first is not None:
            rows = first()[: per_page + 1]
        else:
            rows = list(queryset.order_by(*order)[: per_page + 1])
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        has_previous = after is not None
    if not rows:
        # A cursor past the end (rows deleted since): say nothing is here, but offer the start.
        return KeysetPage(
            [], has_next=False, has_previous=after is not None or before is not None, query_string=query_string
        )

    def cursor_of(row) -> str:
        return encode_cursor([_value(row, name) for name in names])

    return KeysetPage(
        rows,
        has_next=has_next,
        has_previous=has_previous,
        next_cursor=cursor_of(rows[-1]) if has_next else "",
        previous_cursor=cursor_of(rows[0]) if has_previous else "",
        query_string=query_string,
    )


def _value(row, name: str):
    value = row
    for part in name.split("__"):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    # Times travel as ISO text; the database compares them as times again.
    return value.isoformat() if isinstance(value, datetime | date) else value
