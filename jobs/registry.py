"""The kinds of job, described by the apps that start them (each in its own `<app>/jobs.py`).

A kind names the job in the interface ("Sending invitations"), says how its progress reads
("41,200 of 100,000 sent"), labels its counts, names the roles that may watch it besides the
person who started it, and optionally gives a follower: a cheap function that reads how far
work handed on by the task has got (emails the outbox delivers).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from jobs.models import Job


@dataclass(frozen=True)
class Followed:
    """What a follower read: progress so far, and whether the job is over."""

    done: int
    counts: dict[str, int]
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    finished: bool = False
    message: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    # With %(done)s and %(total)s, e.g. _("%(done)s of %(total)s sent").
    progress: str = _("%(done)s of %(total)s done")
    # Shown while the job runs but its total is not known yet (e.g. "Opening the file…").
    starting: str = _("Starting…")
    labels: dict[str, str] = field(default_factory=dict)
    roles: tuple[str, ...] = ()
    follow: Callable[["Job"], Followed] | None = None
    # Called once a job of this kind has failed (refused, an error, or given up by the sweeper),
    # so the app can put what the job was about in a state that says so.
    on_fail: Callable[["Job"], None] | None = None


DEFAULT_LABELS = {
    "sent": _("sent"),
    "skipped": _("skipped"),
    "failed": _("failed"),
    "waiting": _("waiting"),
    "done": _("done"),
}

_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _kinds[kind.name] = kind
    return kind


def get_kind(name: str) -> Kind:
    kind = _kinds.get(name)
    if kind is None:
        return Kind(name=name, title=name)
    return kind


def label(kind: Kind, key: str) -> str:
    return str(kind.labels.get(key) or DEFAULT_LABELS.get(key) or key)
