"""templates/outbox/_status.html in Python, for lists that render their rows without the template engine."""

from functools import lru_cache

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from outbox.models import Email


@lru_cache(maxsize=16)
def _words(language: str) -> dict[str, str]:
    # Looked up once per language: a list calls email_status_html for each of its rows.
    return {
        "none": _("No email"),
        "sent": _("Email sent"),
        "failed": _("Email failed"),
        "queued": _("Email queued"),
        "retrying": _("retrying"),
        "at": _("at %(time)s UTC"),
    }


def _time(value, fmt: str) -> str:
    # As the template's |date filter: in the current time zone, nothing for no time.
    return timezone.localtime(value).strftime(fmt) if value else ""


def email_status_html(email: Email | None) -> SafeString:
    """The same markup as {% include "outbox/_status.html" %}; `email` may be any object with an Email's
    status, sent_at, last_error and next_attempt_at."""
    words = _words(get_language())
    if email is None:
        return format_html('<span class="text-body-secondary small">{}</span>', words["none"])
    if email.status == Email.Status.SENT:
        return format_html(
            '<span class="badge text-bg-success" title="{} UTC">{}</span>',
            _time(email.sent_at, "%Y-%m-%d %H:%M"),
            words["sent"],
        )
    if email.status == Email.Status.FAILED:
        return format_html('<span class="badge text-bg-danger" title="{}">{}</span>', email.last_error, words["failed"])
    queued = format_html('<span class="badge text-bg-secondary">{}</span>', words["queued"])
    if not email.last_error:
        return queued
    when = ""
    if email.next_attempt_at:
        when = " " + words["at"] % {"time": _time(email.next_attempt_at, "%H:%M")}
    return format_html(
        '{} <span class="small text-danger" title="{}">{}{}</span>', queued, email.last_error, words["retrying"], when
    )
