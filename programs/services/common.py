"""Pieces shared by the programs services: the error class, normalising, the invitation email."""

from datetime import UTC, datetime, timedelta
from functools import lru_cache

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
