"""Pieces shared by the programs services: the error class, normalising, the invitation email."""

from datetime import UTC, datetime, timedelta

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


def link_expiry(valid_until: datetime, now: datetime) -> datetime:
    return min(valid_until, now + LINK_LIFETIME)


def run_line(run) -> str:
    """How a run reads in the invitation email: code, name and dates, so the learner knows when it is."""
    return f"{run.label} ({run.starts_on:%Y-%m-%d} – {run.ends_on:%Y-%m-%d})"


def _fmt_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class LinkMaker:
    """Builds acceptance URLs without a reverse() per row (it shows at 100,000 rows)."""

    def __init__(self):
        placeholder = "TOKEN-PLACEHOLDER"
        self.template = absolute_url("programs:invitation", token=placeholder)
        self.placeholder = placeholder

    def __call__(self, raw: str) -> str:
        return self.template.replace(self.placeholder, raw)


def invitation_email(
    invitation: Invitation, *, raw: str, organisation: Organisation, program: Program, run_labels, url_for
):
    return build_email(
        to=invitation.email,
        template="programs/invitation",
        context={
            "organisation": organisation.name,
            "program": program.name,
            "runs": run_labels,
            "url": url_for(raw),
            "expires_at": _fmt_utc(invitation.expires_at),
        },
        kind="program_invitation",
        ref=invitation,
    )
