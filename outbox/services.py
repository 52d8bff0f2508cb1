"""Outbound email: queue rows in the caller's transaction, send them after commit.

Rows are rendered at send time so queuing 100,000 of them is a cheap bulk insert;
a sender claims rows with a conditional UPDATE, so a task delivered twice or retried
never sends the same email twice.
"""

import json
import logging
import smtplib
import socket
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import models, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from learnerpass.lib.bulk import insert_rows, reserve_ids
from outbox.models import Email

log = logging.getLogger(__name__)

CLAIM_SECONDS = 300
MAX_ATTEMPTS = 5


class TransientSendError(Exception):
    """The server could not take the email now; the rows go back to the queue."""


def ref_of(obj: models.Model | None) -> tuple[str, int | None]:
    if obj is None:
        return "", None
    return obj._meta.label_lower, obj.pk


def build_email(
    *,
    to: str,
    template: str,
    context: dict,
    kind: str,
    ref: models.Model | None = None,
    language: str | None = None,
) -> Email:
    """An unsaved Email; pass a list of them to emails_queue for one bulk insert."""
    ref_type, ref_id = ref_of(ref)
    return Email(
        to=to,
        template=template,
        context=context,
        kind=kind,
        ref_type=ref_type,
        ref_id=ref_id,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
    )


def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    kind: str,
    ref: models.Model | None = None,
    language: str | None = None,
) -> Email:
    """Queue one email; it is sent after the surrounding transaction commits."""
    email = build_email(to=to, template=template, context=context, kind=kind, ref=ref, language=language)
    email.save()
    _send_after_commit([email.pk])
    return email


def email_queue_rendered(*, to: str, subject: str, body_text: str, body_html: str, kind: str) -> Email:
    """Queue an email that its caller has rendered already (allauth's account emails)."""
    email = Email.objects.create(
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        kind=kind,
        language=translation.get_language() or "en",
    )
    _send_after_commit([email.pk])
    return email


def emails_queue(emails: list[Email]) -> list[Email]:
    """Insert many unsaved emails in one go and send them in batches after commit."""
    created = Email.objects.bulk_create(emails, batch_size=2000)
    if created and created[0].pk is None:  # backends that do not return ids
        raise RuntimeError("bulk_create returned no ids")
    _send_after_commit([email.pk for email in created])
    return created


def emails_queue_many(
    *,
    template: str,
    kind: str,
    items: list[tuple[str, dict, int | None]],
    ref_model: type[models.Model] | None = None,
    language: str | None = None,
) -> list[int]:
    """Queue one email per (recipient, context, id of what it is about) from one template; return their ids.

    For the big batches (100,000 invitations): the rows go in as plain tuples (COPY on PostgreSQL)
    with no Email instance per row. Sent in batches after commit, like emails_queue.
    """
    ids = reserve_ids(Email, len(items))
    ref_type = ref_model._meta.label_lower if ref_model is not None else ""
    dumps = json.dumps
    insert_rows(
        Email,
        ["id", "to", "context", "ref_id"],
        ((pk, to, dumps(context), ref_id) for pk, (to, context, ref_id) in zip(ids, items, strict=True)),
        constants={
            "template": template,
            "kind": kind,
            "ref_type": ref_type,
            "language": language or translation.get_language() or settings.LANGUAGE_CODE,
        },
    )
    _send_after_commit(ids)
    return ids


def email_retry(*, email: Email) -> Email:
    """Put a failed email back in the queue (the organiser's Resend button)."""
    updated = Email.objects.filter(pk=email.pk, status=Email.Status.FAILED).update(
        status=Email.Status.QUEUED, claimed_until=None, last_error=""
    )
    if updated:
        _send_after_commit([email.pk])
    email.refresh_from_db()
    return email


def emails_requeue_stale(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Queue send tasks again for emails nobody is sending: their task was lost (a broker
    restart) or their worker died mid-batch and its claim ran out. Returns how many."""
    now = timezone.now()
    ids = list(
        Email.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            status=Email.Status.QUEUED,
            created_at__lt=now - older_than,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:50_000]
    )
    _send_after_commit(ids)
    return len(ids)


def _send_after_commit(ids: list[int]) -> None:
    from outbox.tasks import send_emails

    batch = settings.OUTBOX_BATCH_SIZE
    chunks = [ids[i : i + batch] for i in range(0, len(ids), batch)]

    def enqueue():
        for chunk in chunks:
            send_emails.delay(chunk)

    transaction.on_commit(enqueue)


def render_email(email: Email) -> tuple[str, str, str]:
    if not email.template:
        return email.subject, email.body_text, email.body_html
    context = {**email.context, "site_url": settings.SITE_URL}
    with translation.override(email.language):
        subject = _render_plain(f"emails/{email.template}_subject.txt", context)
        text = _render_plain(f"emails/{email.template}_message.txt", context)
        html = render_to_string(f"emails/{email.template}_message.html", context)
    subject = " ".join(subject.split())
    return subject, text.strip() + "\n", html


def _render_plain(template_name: str, context: dict) -> str:
    """Subjects and text bodies are not HTML: render them without HTML escaping."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def _claim(ids: list[int]) -> list[Email]:
    now = timezone.now()
    claim = uuid.uuid4()
    Email.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk__in=ids,
        status=Email.Status.QUEUED,
    ).update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), claim=claim)
    return list(Email.objects.filter(claim=claim, status=Email.Status.QUEUED).order_by("pk"))


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | socket.timeout | OSError)


def emails_send(*, ids: list[int]) -> int:
    """Send the queued rows among `ids` over one connection; return how many were sent.

    Raises TransientSendError when some rows hit a transient error and should be tried again.
    """
    emails = _claim(ids)
    if not emails:
        return 0
    sent = 0
    retry = False
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        _record_failures(emails, exc)
        raise TransientSendError(str(exc)) from exc
    try:
        for email in emails:
            try:
                subject, text, html = render_email(email)
                message = EmailMultiAlternatives(
                    subject,
                    text,
                    settings.DEFAULT_FROM_EMAIL,
                    [email.to],
                    connection=connection,
                    # Lets a receiving system (and the benchmark) spot a duplicate delivery.
                    headers={"X-LearnerPass-Email-Id": str(email.pk)},
                )
                if html:
                    message.attach_alternative(html, "text/html")
                message.send()
            except Exception as exc:
                retry |= _record_failures([email], exc)
                continue
            _mark_sent(email, subject=subject, text=text, html=html)
            sent += 1
    finally:
        connection.close()
    if retry:
        raise TransientSendError("some emails will be retried")
    return sent


def _mark_sent(email: Email, *, subject: str, text: str, html: str) -> None:
    # Recorded right after each send, so a worker that dies mid-batch resends at most one email.
    Email.objects.filter(pk=email.pk).update(
        status=Email.Status.SENT,
        sent_at=timezone.now(),
        attempts=email.attempts + 1,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        last_error="",
        claimed_until=None,
    )


def _record_failures(emails: list[Email], exc: Exception) -> bool:
    """Record the error; return True when at least one row stays queued for a retry."""
    transient = _is_transient(exc)
    error = f"{type(exc).__name__}: {exc}"[:2000]
    log.warning("email send failed (%s): %s", "transient" if transient else "permanent", error)
    stays_queued = False
    for email in emails:
        attempts = email.attempts + 1
        final = not transient or attempts >= MAX_ATTEMPTS
        Email.objects.filter(pk=email.pk).update(
            attempts=attempts,
            last_error=error,
            claimed_until=None,
            status=Email.Status.FAILED if final else Email.Status.QUEUED,
        )
        stays_queued |= not final
    return stays_queued
