"""The rows of a run's two lists, rendered in Python.

Through the template engine, 50 invitation rows cost about 20 ms (a reverse() per link, three
includes per row, a lookup per attribute, a catalogue lookup per text); here they cost about
1 ms. The markup is that of programs/_status.html, programs/_invitation_actions.html and
outbox/_status.html byte for byte, and values are escaped as the templates escape them;
catalogue texts go in as {% translate %} puts them, as written. programs/tests/test_rows.py
renders the old loop through those partials beside these rows: a change to a partial that is
not made here too fails it.
"""

from html import escape as _escape
from urllib.parse import quote

from django import template
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from learnerpass.lib.html import time_formatter
from learnerpass.lib.urls import row_url
from outbox.html import email_status_html
from programs.models import Invitation

register = template.Library()

PENDING = Invitation.Status.PENDING
ENDED = (Invitation.Status.EXPIRED, Invitation.Status.CANCELED)
BADGE_CLASS = {
    Invitation.Status.PENDING: "text-bg-primary",
    Invitation.Status.ACCEPTED: "text-bg-success",
    Invitation.Status.CANCELED: "text-bg-secondary",
}

# Texts of the catalogue, marked here so that makemessages finds them.
LINK_EXPIRED = gettext_noop("link expired: resend")
COPIED = gettext_noop("Copied")
COPY_LINK = gettext_noop("Copy link")
CANCEL_INVITATION_OF = gettext_noop("Cancel invitation of %(id)s")
RESEND = gettext_noop("Resend")
CANCEL_CONFIRM = gettext_noop("Cancel this invitation? Its link will stop working.")
CANCEL = gettext_noop("Cancel")
INVITE_AGAIN = gettext_noop("Invite again")
SELECT_THE_INVITATION_OF = gettext_noop("Select the invitation of %(id)s")
UNENROL = gettext_noop("Unenrol")


def esc(value) -> str:
    """As the templates' autoescape, for values read from the database (never marked safe)."""
    return _escape(str(value))


class _Texts(dict):
    """Catalogue texts looked up once per page rather than once per row.

    Keys are the constants above.
    """

    def __missing__(self, message: str) -> str:
        self[message] = text = gettext(message)
        return text

    def with_values(self, message: str, **values) -> str:
        """As {% blocktranslate with … %}: the values escaped, the text as written."""
        return self[message] % {key: esc(value) for key, value in values.items()}


def _url_maker(name: str, *, vary: str, **kwargs):
    """learnerpass.lib.urls.row_url, escaped for the f-strings below."""
    url = row_url(name, vary=vary, **kwargs)
    return lambda pk: esc(url(int(pk)))


class InvitationCells:
    """The status, email status and actions cells of invitations, with what they share worked out once."""

    def __init__(self, context, *, hide_copy: bool = False):
        request = context["request"]
        self.texts = _Texts()
        self.labels = {value: str(label) for value, label in Invitation.Status.choices}
        self.org_slug = request.org.slug
        self.next = esc(request.get_full_path())
        self.csrf = csrf_input(request)
        self.hide_copy = hide_copy
        self.urls: dict[int, tuple] = {}
        self.minute = time_formatter()

    def status(self, inv: Invitation, status: str) -> str:
        """programs/_status.html."""
        html = f'<span class="badge {BADGE_CLASS.get(status, "text-bg-warning")}">{esc(self.labels[status])}</span>'
        if status == PENDING and inv.link_expired:
            html += f' <span class="small text-body-secondary">{self.texts[LINK_EXPIRED]}</span>'
        return html + "\n"

    def email_status(self, email) -> str:
        """outbox/_status.html."""
        return email_status_html(email) + "\n"

    def _urls(self, program_id: int):
        if program_id not in self.urls:
            self.urls[program_id] = (
                _url_maker(
                    "programs:invitation_resend", vary="invitation_id", org_slug=self.org_slug, program_id=program_id
                ),
                _url_maker(
                    "programs:invitation_cancel", vary="invitation_id", org_slug=self.org_slug, program_id=program_id
                ),
                esc(reverse("programs:invite", args=[self.org_slug, program_id])),
            )
        return self.urls[program_id]

    def actions(self, inv: Invitation, status: str) -> str:
        """programs/_invitation_actions.html."""
        t = self.texts
        resend, cancel, invite = self._urls(inv.program_id)
        html = ""
        if status == PENDING:
            copy = ""
            if inv.link and not inv.link_expired and not self.hide_copy:
                copy = (
                    f'<button type="button" class="btn btn-sm btn-outline-secondary" data-copy="{esc(inv.link)}" '
                    f'data-copied-label="{t[COPIED]}">{t[COPY_LINK]}</button>'
                )
            cancel_label = t.with_values(CANCEL_INVITATION_OF, id=inv.external_learner_id)
            html += (
                f'<div class="d-flex gap-1 justify-content-end flex-wrap">\n  {copy}\n'
                f'  <form method="post" action="{resend(inv.pk)}">{self.csrf}'
                f'<input type="hidden" name="next" value="{self.next}">'
                f'<button class="btn btn-sm btn-outline-primary" type="submit">{t[RESEND]}</button></form>\n'
                f'  <form method="post" action="{cancel(inv.pk)}" '
                f'data-confirm="{t[CANCEL_CONFIRM]}">{self.csrf}'
                f'<input type="hidden" name="next" value="{self.next}">'
                f'<button class="btn btn-sm btn-outline-danger" type="submit" aria-label="{cancel_label}">'
                f"{t[CANCEL]}</button></form>\n"
                "</div>"
            )
        if status in ENDED:
            runs = "".join(f"&amp;runs={int(run_id)}" for run_id, _code in inv.run_codes)
            # |urlencode, then autoescape (a no-op on its output).
            learner = quote(str(inv.external_learner_id), safe="/")
            html += (
                '<div class="d-flex justify-content-end">\n'
                f'  <a class="btn btn-sm btn-outline-primary" href="{invite}?external_learner_id={learner}'
                f'&amp;email={quote(str(inv.email), safe="/")}{runs}">{t[INVITE_AGAIN]}'
                f'<span class="visually-hidden"> {esc(inv.external_learner_id)}</span></a>\n'
                "</div>"
            )
        return html + "\n"


@register.simple_tag(takes_context=True)
def invitation_rows(context, invitations) -> SafeString:
    """The rows of run_invitations.html's table (invitations through selectors.with_run_codes and
    with_email_status)."""
    detail = _url_maker(
        "programs:invitation_detail",
        vary="invitation_id",
        org_slug=context["request"].org.slug,
        program_id=context["program"].pk,
    )
    cells = InvitationCells(context)
    rows = []
    for inv in invitations:
        status = inv.effective_status
        checkbox = ""
        if status == PENDING:
            label = cells.texts.with_values(SELECT_THE_INVITATION_OF, id=inv.external_learner_id)
            checkbox = (
                f'<input class="form-check-input" type="checkbox" name="invitation" value="{int(inv.pk)}" '
                f'form="bulk-cancel" aria-label="{label}">'
            )
        runs = ", ".join(f"<code>{esc(code)}</code>" for _run_id, code in inv.run_codes)
        rows.append(
            "\n  <tr>\n"
            f"    <td>{checkbox}</td>\n"
            f'    <td><a href="{detail(inv.pk)}">{esc(inv.external_learner_id)}</a></td>\n'
            f"    <td>{esc(inv.email)}</td>\n"
            f"    <td>{runs}</td>\n"
            f"    <td>{cells.minute(inv.valid_until)}</td>\n"
            f"    <td>{cells.status(inv, status)}</td>\n"
            f"    <td>{cells.email_status(inv.email_status)}</td>\n"
            f'    <td class="text-end">{cells.actions(inv, status)}</td>\n'
            "  </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above escaped


@register.simple_tag(takes_context=True)
def enrolment_rows(context, enrolments, unenrolled) -> SafeString:
    """The rows of run_enrolled.html's table: who is on the run, or who was unenrolled."""
    rows = []
    minute = time_formatter()
    if unenrolled:
        for enrolment in enrolments:
            by = enrolment.unenrolled_by.email if enrolment.unenrolled_by else ""
            rows.append(
                f'\n  <tr><td class="text-break">{esc(enrolment.external_learner_id)}</td>'
                f'<td class="text-break">{esc(enrolment.user.email)}</td><td>{minute(enrolment.unenrolled_at)}</td>'
                f'<td class="text-break">{esc(by or "—")}</td><td class="pre-wrap">{esc(enrolment.unenrol_reason)}</td>'
                "</tr>\n  "
            )
        return mark_safe("".join(rows))  # noqa: S308 - every value above escaped
    unenrol = _url_maker(
        "programs:enrolment_unenrol",
        vary="enrolment_id",
        org_slug=context["request"].org.slug,
        program_id=context["program"].pk,
        run_id=context["run"].pk,
    )
    label = gettext(UNENROL)
    sources = {}
    for enrolment in enrolments:
        if enrolment.source not in sources:
            sources[enrolment.source] = esc(enrolment.get_source_display())
        learner = esc(enrolment.external_learner_id)
        rows.append(
            f'\n  <tr><td class="text-break">{learner}</td><td class="text-break">{esc(enrolment.user.email)}</td>'
            f"<td>{sources[enrolment.source]}</td><td>{minute(enrolment.created_at)}</td>\n"
            f'    <td class="text-end"><a class="btn btn-sm btn-outline-danger" href="{unenrol(enrolment.pk)}">'
            f'{label}<span class="visually-hidden"> {learner}</span></a></td></tr>\n  '
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above escaped
