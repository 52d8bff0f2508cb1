"""Queries whose SQL Django builds once per process, then runs again with other values.

On the pages every visit loads (the learner dashboard, a project, a badge), building a
queryset and compiling its SQL cost more CPU than PostgreSQL spent running it: about 0.7 ms
against 0.2 ms for a join of three tables on the benchmark machine, ten times per page. A
`@prepared` function is called once with marker values in place of its arguments; Django
builds and compiles that queryset as always, and later calls run the same SQL with the real
values where the markers were. The rows come back through Django's own iterables: model
instances (with `select_related()` and `only()`), or the rows of `values()`/`values_list()`.

    @prepared
    def badges_of(user_id):
        return Assertion.objects.filter(recipient_id=user_id).select_related("badge")

    badges_of(user.pk)  # a list of Assertion, one query, no SQL compiled after the first call

The rules, checked when the SQL is built:
- Arguments are ints or strs, and each reaches the SQL as it is (`field=arg`, not
  `field__icontains=arg`, which Django rewrites): a marker missing from the parameters is an
  error.
- A non-empty list of ints or strs is prepared where it travels as one array parameter
  (`**one_of("field", values)` from learnerpass.lib.bulk: `= ANY(%s)` on PostgreSQL), and an
  aware datetime where it travels as itself (PostgreSQL). Where the database takes either in
  another form (SQLite: `IN (%s, %s, …)`, whose SQL changes with the list's length, and times
  as text), the queryset is built on every call instead.
- The queryset has no prefetch_related() (its second queries would not be prepared).
- The SQL depends on nothing else. It is kept per database, time zone and language, so a
  query that uses the time zone or the language still comes out right; time itself (now)
  must be an argument or be compared in Python.
"""

import functools
from datetime import UTC, datetime, timedelta

from django.db import connections
from django.http import Http404

_MARKER_INT = 1_987_650_000  # fits every integer column; no query here has it as a constant
_MARKER_STR = "\x00prepared-marker-{}\x00"
_MARKER_TIME = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


def _marker(index: int, value):
    if isinstance(value, list) and value:
        return [_marker(index, value[0])]
    if isinstance(value, datetime) and value.tzinfo is not None:
        return _MARKER_TIME + timedelta(microseconds=index)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(
            f"a @prepared function takes ints, strs, aware datetimes and non-empty lists of ints or strs, not {value!r}"
        )
    return _MARKER_INT + index if isinstance(value, int) else _MARKER_STR.format(index)


class _Unpreparable(Exception):
    """An argument this database takes in another form: a list one element per parameter (IN (…)), a
    time as text (SQLite)."""


def _slot(value, markers) -> tuple[int, type | None] | None:
    """Which argument a parameter stands for, and the type to give it there: the database backend may have
    wrapped it (psycopg's Int8 for big integer columns, a subclass of int); None for a constant."""
    for index, marker in enumerate(markers):
        if isinstance(value, type(marker)) and not isinstance(value, bool) and value == marker:
            return index, None if type(value) in (type(marker), list) else type(value)
        if isinstance(marker, list) and value == marker[0] and not isinstance(value, bool):
            raise _Unpreparable
    return None


def _shallow_copy(obj, **changes):
    """A copy sharing obj's attributes (QuerySet's own copying would run the query)."""
    copy = object.__new__(type(obj))
    copy.__dict__ = {**obj.__dict__, **changes}
    return copy


class _Compiled:
    """A queryset built with markers, its compiler (which knows the columns) and its SQL."""

    def __init__(self, queryset, markers):
        if queryset._prefetch_related_lookups:
            raise TypeError("a @prepared queryset cannot prefetch_related()")
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = self.compiler.as_sql()
        self.fixed = list(params)
        self.slots = [_slot(value, markers) for value in params]
        missing = set(range(len(markers))) - {slot[0] for slot in self.slots if slot}
        if any(isinstance(markers[index], datetime) for index in missing):
            raise _Unpreparable
        if missing:
            raise ValueError(f"argument(s) {sorted(missing)} do not reach the SQL as they are: {self.sql}")

    def run(self, args) -> list:
        params = [
            value if slot is None else args[slot[0]] if slot[1] is None else slot[1](args[slot[0]])
            for value, slot in zip(self.fixed, self.slots, strict=True)
        ]
        sql = self.sql
        compiler = _shallow_copy(
            self.compiler,
            connection=connections[self.queryset.db],  # this thread's connection
            as_sql=lambda *args, **kwargs: (sql, params),
        )
        query = _shallow_copy(self.queryset.query, get_compiler=lambda *args, **kwargs: compiler)
        queryset = _shallow_copy(self.queryset, _query=query, _result_cache=None)
        return list(queryset)


_EVERY_TIME = object()  # a query that cannot be prepared on this database
_ALL: list[dict] = []  # every prepared function's built SQL, for forget_all


def one_or_404(rows: list, what: str):
    """The row a prepared lookup by key found, or a 404 ("No such project.") when it found none."""
    if not rows:
        raise Http404(f"No such {what}.")
    return rows[0]


def forget_all() -> None:
    """Forget every SQL built so far (tests: one that changes a constant a query was built with, such as
    learnerpass.lib.counts.COUNT_CAP, must not leave its SQL to the next)."""
    for compiled in _ALL:
        compiled.clear()


def prepared(build):
    """Decorate a function that returns a queryset; see the module's docstring."""
    from django.utils import timezone, translation

    compiled: dict[tuple, _Compiled] = {}
    _ALL.append(compiled)

    @functools.wraps(build)
    def run(*args) -> list:
        key = (
            timezone.get_current_timezone_name(),
            translation.get_language(),
            tuple((type(arg), type(arg[0]) if isinstance(arg, list) and arg else None) for arg in args),
        )
        entry = compiled.get(key)
        if entry is None:
            markers = [_marker(index, arg) for index, arg in enumerate(args)]
            try:
                entry = _Compiled(build(*markers), markers)
            except _Unpreparable:
                entry = _EVERY_TIME
            compiled[key] = entry
        if entry is _EVERY_TIME:
            return list(build(*args))
        return entry.run(args)

    run.compiled = compiled
    return run
