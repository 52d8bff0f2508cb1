"""templates/outbox/_status.html in Python, for lists that render their rows without the template engine."""

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from outbox.models import Email


def _time(value, fmt: str) -> str:
    # As the template's |date filter: in the current time zone, nothing for no time.
    return timezone.localtime(value).strftime(fmt) if value else ""


def email_status_html(email: Email | None) -> SafeString:
    """The same markup as {% include "outbox/_status.html" %}."""
    if email is None:
        return format_html('<span class="text-body-secondary small">{}</span>', _("No email"))
    if email.status == Email.Status.SENT:
        return format_html(
            '<span class="badge text-bg-success" title="{} UTC">{}</span>',
            _time(email.sent_at, "%Y-%m-%d %H:%M"),
            _("Email sent"),
        )
    if email.status == Email.Status.FAILED:
        return format_html(
            '<span class="badge text-bg-danger" title="{}">{}</span>', email.last_error, _("Email failed")
        )
    queued = format_html('<span class="badge text-bg-secondary">{}</span>', _("Email queued"))
    if not email.last_error:
        return queued
    when = ""
    if email.next_attempt_at:
        when = " " + _("at %(time)s UTC") % {"time": _time(email.next_attempt_at, "%H:%M")}
    return format_html(
        '{} <span class="small text-danger" title="{}">{}{}</span>', queued, email.last_error, _("retrying"), when
    )
