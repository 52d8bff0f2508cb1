from csp.decorators import csp_update
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from learnerpass.lib.http import is_loopback_client
from outbox.models import Email
from outbox.services import render_email


def _require_mailbox(request):
    # It shows password-reset links: anyone who reaches it could take over any account.
    if not (settings.DEBUG and settings.DEV_MAILBOX and is_loopback_client(request)):
        raise Http404("The development mailbox is off.")


def mailbox(request):
    """Development only (DEBUG and a browser on this machine): every queued email, so links can be followed."""
    _require_mailbox(request)
    emails = Email.objects.only("id", "to", "subject", "kind", "status", "created_at", "template")
    query = request.GET.get("to", "").strip()
    if query:
        emails = emails.filter(to__icontains=query)
    page = Paginator(emails, 50).get_page(request.GET.get("page"))
    return render(request, "outbox/mailbox.html", {"page": page, "query": query})


# The email's HTML is shown in a sandboxed iframe (no script), which inherits the page's policy:
# its own inline styles are allowed here, and only here.
@csp_update({"style-src": ["'unsafe-inline'"]})
def mailbox_email(request, pk):
    _require_mailbox(request)
    email = get_object_or_404(Email, pk=pk)
    # What was sent is kept; a queued email is shown as it would be rendered now.
    subject, text, html = (
        (email.subject, email.body_text, email.body_html) if email.status == Email.Status.SENT else render_email(email)
    )
    return render(
        request, "outbox/mailbox_email.html", {"email": email, "subject": subject, "text": text, "html": html}
    )
