"""templates/outbox/_status.html in Python, for lists that render their rows without the template engine."""

from functools import lru_cache
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learnerpass.lib.html import MINUTE, time_formatter
from outbox.models import Email

SENT = Email.Status.SENT
FAILED = Email.Status.FAILED


@lru_cache(maxsize=16)
def _words(language: str) -> dict[str, str]:
    # Looked up and escaped once per language: a list calls email_status_html for each of its rows.
    return {
        key: escape(text)
        for key, text in {
            "none": _("No email"),
            "sent": _("Email sent"),
            "failed": _("Email failed"),
            "queued": _("Email queued"),
            "retrying": _("retrying"),
            "at": _("at %(time)s UTC"),
        }.items()
    }


def email_status_html(email: Email | None) -> SafeString:
    """The same markup as {% include "outbox/_status.html" %}; `email` may be any object with an Email's
    status, sent_at, last_error and next_attempt_at. Every value is escaped as the template escapes it."""
    words = _words(get_language())
    if email is None:
        return mark_safe(f'<span class="text-body-secondary small">{words["none"]}</span>')  # noqa: S308
    if email.status == SENT:
        sent_at = time_formatter(MINUTE)(email.sent_at)
        return mark_safe(f'<span class="badge text-bg-success" title="{sent_at} UTC">{words["sent"]}</span>')  # noqa: S308
    error = escape(email.last_error or "")
    if email.status == FAILED:
        return mark_safe(f'<span class="badge text-bg-danger" title="{error}">{words["failed"]}</span>')  # noqa: S308
    queued = f'<span class="badge text-bg-secondary">{words["queued"]}</span>'
    if not email.last_error:
        return mark_safe(queued)  # noqa: S308
    when = ""
    if email.next_attempt_at:
        when = " " + words["at"] % {"time": time_formatter("%H:%M")(email.next_attempt_at)}
    return mark_safe(f'{queued} <span class="small text-danger" title="{error}">{words["retrying"]}{when}</span>')  # noqa: S308
