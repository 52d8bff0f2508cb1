"""What every badges service shares: the error, the audit trail and pasted email lists."""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from badges.models import (
    Assertion,
    BadgeClass,
    BadgeEvent,
    Task,
)
from learnerpass.lib.actions import UserError


class BadgesError(UserError):
    """A refused action; the message is shown to the user."""


def audit(*, organisation_id: int, actor, action: str, badge: BadgeClass | None = None, detail: str = "") -> None:
    BadgeEvent.objects.create(
        organisation_id=organisation_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        badge=badge,
        detail=detail[:500],
    )


@dataclass
class IssueReport:
    issued: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    already_held: list[str] = field(default_factory=list)


_SEPARATORS = re.compile(r"[\s,;]+")


EMAIL_MAX_LENGTH = Assertion._meta.get_field("recipient_email").max_length


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
        if len(email) > EMAIL_MAX_LENGTH:
            # Django's validator takes 320 characters; the column holds 254 (a longer one failed the whole issue).
            invalid.append(entry)
            continue
        if email in valid:
            duplicates.append(email)
        else:
            valid[email] = None
    return list(valid), invalid, duplicates


def required_tasks(badge: BadgeClass) -> list[Task]:
    return [t for t in badge.tasks.all() if t.requires_evidence]
