"""Pieces shared by the programs services: the error class, normalising, the invitation email."""

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from django.utils.translation import gettext as _

from learnerpass.lib.actions import UserError
from learnerpass.lib.urls import absolute_url
from organisations.models import Organisation
from outbox.services import build_email
from programs.models import (
    Invitation,
    Program,
)

LINK_LIFETIME = timedelta(weeks=4)
DEFAULT_VALIDITY = timedelta(weeks=4)


class ProgramsError(UserError):
    """A refused action; the message is shown to the user."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


UTC_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_UTC_TIME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?")


def parse_utc_time(text: str, *, seconds_optional: bool = False) -> datetime:
    """Read YYYY-MM-DD HH:MM:SS as a UTC time; raise ProgramsError saying what is wrong.

    Something in that form that names no real moment (2027-02-30, 2027-13-01, 24:00:00)
    is told apart from a different form, so the person fixes the right thing.
    """
    match = _UTC_TIME_RE.fullmatch(text.strip())
    if match is None or (match.group(6) is None and not seconds_optional):
        raise ProgramsError(_("Write the time as YYYY-MM-DD HH:MM:SS (UTC)."))
    year, month, day, hour, minute = (int(group) for group in match.groups()[:5])
    second = int(match.group(6) or 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        pass
    try:
        date(year, month, day)
    except ValueError:
        raise ProgramsError(_("The date %(date)s does not exist.") % {"date": "-".join(match.groups()[:3])}) from None
    raise ProgramsError(
        _("The time %(time)s does not exist.") % {"time": ":".join(g for g in match.groups()[3:] if g is not None)}
    )


def link_expiry(valid_until: datetime, now: datetime) -> datetime:
    return min(valid_until, now + LINK_LIFETIME)


def run_line(run) -> str:
    """How a run reads in the invitation email: code, name and dates, so the learner knows when it is."""
    return f"{run.label} ({run.starts_on:%Y-%m-%d} – {run.ends_on:%Y-%m-%d})"


@lru_cache(maxsize=512)
def _fmt_utc(moment: datetime) -> str:
    # Cached: a batch of 50,000 invitations shares a handful of expiry times.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class LinkMaker:
    """Builds acceptance URLs without a reverse() per row (it shows at 100,000 rows)."""

    def __init__(self):
        placeholder = "TOKEN-PLACEHOLDER"
        self.template = absolute_url("programs:invitation", token=placeholder)
        self.placeholder = placeholder

    def __call__(self, raw: str) -> str:
        return self.template.replace(self.placeholder, raw)


INVITATION_TEMPLATE = "programs/invitation"
INVITATION_KIND = "program_invitation"


def invitation_email_context(*, organisation_name: str, program_name: str, run_labels, url: str, expires_at) -> dict:
    """What the invitation email is rendered from; the link is in it and nowhere else."""
    return {
        "organisation": organisation_name,
        "program": program_name,
        "runs": run_labels,
        "url": url,
        "expires_at": _fmt_utc(expires_at),
    }


def invitation_email(
    invitation: Invitation, *, raw: str, organisation: Organisation, program: Program, run_labels, url_for
):
    return build_email(
        to=invitation.email,
        template=INVITATION_TEMPLATE,
        context=invitation_email_context(
            organisation_name=organisation.name,
            program_name=program.name,
            run_labels=run_labels,
            url=url_for(raw),
            expires_at=invitation.expires_at,
        ),
        kind=INVITATION_KIND,
        ref=invitation,
    )
