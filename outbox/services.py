"""Outbound email: queue rows in the caller's transaction, send them after commit.

Rows are rendered at send time so queuing 100,000 of them is a cheap bulk insert. A sender
claims a batch of rows with a conditional UPDATE (a task delivered twice or retried finds
them claimed or sent), sends them over one SMTP connection and records each one as sent
the moment the server has taken it, retrying database errors, so a duplicate needs the
worker process to die between those two steps: at most one email per crash.

Transient SMTP failures (4xx replies, a server that is down or drops the connection) keep
the email queued with the time of its next attempt, backing off from OUTBOX_RETRY_BASE_SECONDS
to OUTBOX_RETRY_MAX_SECONDS, for OUTBOX_RETRY_FOR_SECONDS (a day) before it is failed;
permanent ones (5xx) fail it at once and the organiser sees it with a Resend button.
"""

import json
import logging
import smtplib
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import InterfaceError, OperationalError, connection, models, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from kombu.exceptions import KombuError

from learnerpass.lib.bulk import insert_rows, reserve_ids
from outbox.models import Email

log = logging.getLogger(__name__)

# What publishing a task raises when the broker cannot be reached.
BROKER_ERRORS = (OSError, KombuError)


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
        status=Email.Status.QUEUED, claimed_until=None, last_error="", next_attempt_at=None, failing_since=None
    )
    if updated:
        _send_after_commit([email.pk])
    email.refresh_from_db()
    return email


def emails_requeue_stale(*, older_than: timedelta | None = None) -> int:
    """Queue send tasks again for emails nobody is sending: their task was lost (a broker that
    was down or restarted, a retry that was never delivered) or their worker died mid-batch and
    its claim ran out. Waiting means for OUTBOX_SWEEP_SECONDS unless `older_than` says. Returns how many."""
    now = timezone.now()
    cutoff = now - (older_than if older_than is not None else timedelta(seconds=settings.OUTBOX_SWEEP_SECONDS))
    ids = list(
        Email.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            Q(next_attempt_at__isnull=True, created_at__lt=cutoff) | Q(next_attempt_at__lt=cutoff),
            status=Email.Status.QUEUED,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:50_000]
    )
    _send_after_commit(ids)
    return len(ids)


def _send_after_commit(ids: list[int]) -> None:
    """Queue send tasks once the transaction commits. A broker that cannot take them is logged,
    never raised: the cause is committed, the rows wait in the outbox and the sweeper queues them."""
    if not ids:
        return
    from outbox.tasks import send_emails

    size = settings.OUTBOX_BATCH_SIZE
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]

    def enqueue():
        for done, chunk in enumerate(chunks):
            try:
                send_emails.apply_async((chunk,))
            except BROKER_ERRORS:
                waiting = sum(len(rest) for rest in chunks[done:])
                log.warning(
                    "could not queue the sending of %s emails (the broker is unreachable); "
                    "they stay in the outbox and the sweeper queues them again",
                    waiting,
                    exc_info=True,
                )
                return

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


def _render_plain(template_name: str, context: dict) -> str:
    """Subjects and text bodies are not HTML: render them without HTML escaping."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


@dataclass
class SendOutcome:
    """What one batch did: how many emails went out, which stay queued and when all of them are due again."""

    sent: int = 0
    retry_ids: list[int] = field(default_factory=list)
    # The latest of their next attempts: a task arriving before a row is due would skip that row.
    retry_at: datetime | None = None

    def retry(self, pk: int, at: datetime) -> None:
        self.retry_ids.append(pk)
        self.retry_at = at if self.retry_at is None else max(self.retry_at, at)


def emails_send(*, ids: list[int]) -> SendOutcome:
    """Send the queued rows among `ids` that are due, over one connection, each recorded as it goes."""
    outcome = SendOutcome()
    with _relaxed_commits():
        claim = uuid.uuid4()
        emails = _with_db_retries(lambda: _claim(ids, claim))
        if not emails:
            return outcome
        sender = _Sender()
        try:
            sender.open()
        except Exception as exc:
            # The server (or its settings) is at fault, not these emails: all of them wait and try again.
            log.warning("could not connect to the mail server: %s", exc)
            for email in emails:
                _record_failure(email, exc, outcome, transient=True, attempted=False)
            return outcome
        try:
            for index, email in enumerate(emails):
                try:
                    subject, text, html = render_email(email)
                    message = _message(email, subject=subject, text=text, html=html)
                except Exception as exc:
                    # An email that cannot be rendered never will be; the others go on.
                    log.exception("email %s could not be rendered", email.pk)
                    _record_failure(email, exc, outcome, transient=False)
                    continue
                try:
                    sender.send(message)
                except Exception as exc:
                    _record_failure(email, exc, outcome)
                    if _connection_lost(exc) and not sender.reopen():
                        for rest in emails[index + 1 :]:
                            _record_failure(rest, exc, outcome, attempted=False)
                        break
                    continue
                _mark_sent(email, subject=subject, text=text, html=html)
                outcome.sent += 1
        finally:
            sender.close()
    return outcome


class _Sender:
    """The email backend's connection, reopened once when the server drops it."""

    def __init__(self):
        self.connection = get_connection(fail_silently=False)

    def open(self) -> None:
        self.connection.open()

    def send(self, message: EmailMultiAlternatives) -> None:
        message.connection = self.connection
        self.connection.send_messages([message])

    def reopen(self) -> bool:
        self.close()
        try:
            self.open()
        except Exception as exc:
            log.warning("could not reconnect to the mail server: %s", exc)
            return False
        return True

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # closing a connection the server already dropped
            log.debug("closing the mail connection failed", exc_info=True)


class _OutboxMessage(EmailMultiAlternatives):
    def message(self):
        message = super().message()
        if message.is_multipart():
            # A random boundary of our own: left unset, the generator makes one and compiles a regular
            # expression per message to check the bodies do not contain it (a twentieth of a send).
            message.set_boundary(f"===={uuid.uuid4().hex}====")
        return message


def _message(email: Email, *, subject: str, text: str, html: str) -> EmailMultiAlternatives:
    message = _OutboxMessage(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [email.to],
        # Lets a receiving system (and the benchmark) spot a duplicate delivery.
        headers={"X-LearnerPass-Email-Id": str(email.pk)},
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def _claim(ids: list[int], claim: uuid.UUID) -> list[Email]:
    """Claim the due, queued, unclaimed rows among `ids`; the same claim may be made again after a
    database error, so rows this sender claimed already are claimed, not skipped."""
    now = timezone.now()
    Email.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claim=claim),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk__in=ids,
        status=Email.Status.QUEUED,
    ).update(claimed_until=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS), claim=claim)
    return list(Email.objects.filter(claim=claim, status=Email.Status.QUEUED).order_by("pk"))


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    # Disconnections, refused connections and timeouts (smtplib's errors are OSErrors too).
    return isinstance(exc, OSError)


def _connection_lost(exc: Exception) -> bool:
    """True when the connection cannot carry the next email (as opposed to a refusal of this one)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421  # "service not available, closing transmission channel"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(exc, OSError)


_SENT_FIELDS = ("status", "sent_at", "attempts", "subject", "body_text", "body_html", "last_error")
_CLEARED_FIELDS = ("claimed_until", "next_attempt_at", "failing_since")


@lru_cache(maxsize=4)
def _mark_sent_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    fields = {field.name: field.column for field in Email._meta.concrete_fields}
    assignments = [f"{quote(fields[name])} = %s" for name in _SENT_FIELDS]
    assignments += [f"{quote(fields[name])} = NULL" for name in _CLEARED_FIELDS]
    return f"UPDATE {quote(Email._meta.db_table)} SET {', '.join(assignments)} WHERE {quote(fields['id'])} = %s"  # noqa: S608


def _mark_sent(email: Email, *, subject: str, text: str, html: str) -> None:
    # Written right after the server took the email, before the next one is sent. Plain SQL: one
    # statement per email, and the ORM's work to build it was a tenth of a send.
    params = [
        Email.Status.SENT.value,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        email.attempts + 1,
        subject[:300],
        text,
        html,
        "",
        email.pk,
    ]

    def write():
        with connection.cursor() as cursor:
            cursor.execute(_mark_sent_sql(connection.vendor), params)

    _with_db_retries(write)


def _record_failure(
    email: Email, exc: Exception, outcome: SendOutcome, *, transient: bool | None = None, attempted: bool = True
) -> None:
    """Record the error: a permanent one, or a transient one failing for OUTBOX_RETRY_FOR_SECONDS,
    fails the email; otherwise it waits for its next attempt (added to `outcome`)."""
    now = timezone.now()
    transient = _is_transient(exc) if transient is None else transient
    error = f"{type(exc).__name__}: {exc}"[:2000]
    failing_since = email.failing_since or now
    failing_for = (now - failing_since).total_seconds()
    final = not transient or failing_for >= settings.OUTBOX_RETRY_FOR_SECONDS
    # Wait about as long as it has been failing: 30 s, 30 s, 1 min, 2 min, 4 min, … up to the cap.
    delay = min(max(settings.OUTBOX_RETRY_BASE_SECONDS, failing_for), settings.OUTBOX_RETRY_MAX_SECONDS)
    next_attempt = None if final else now + timedelta(seconds=delay)
    log.warning(
        "email %s: %s send failure%s: %s",
        email.pk,
        "transient" if transient else "permanent",
        "" if not final else ", giving up",
        error,
    )
    _with_db_retries(
        lambda: Email.objects.filter(pk=email.pk).update(
            attempts=email.attempts + (1 if attempted else 0),
            last_error=error,
            claimed_until=None,
            status=Email.Status.FAILED if final else Email.Status.QUEUED,
            failing_since=failing_since,
            next_attempt_at=next_attempt,
        )
    )
    if next_attempt is not None:
        outcome.retry(email.pk, next_attempt)


_session = threading.local()


def _with_db_retries(write):
    """Run a database write, retrying a lost or failing connection for OUTBOX_DB_RETRY_SECONDS.

    After the SMTP server took an email, giving up on recording it would let the claim run out
    and the email go out again; so the sender waits for the database instead.
    """
    deadline = time.monotonic() + settings.OUTBOX_DB_RETRY_SECONDS
    delay = 0.1
    while True:
        try:
            if getattr(_session, "relax_again", False):
                _relax(connection)
                _session.relax_again = False
            return write()
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or time.monotonic() + delay > deadline:
                raise
            log.warning("database error while sending emails, retrying in %.1f s: %s", delay, exc)
            connection.close()
            # A new connection starts with the server's defaults.
            _session.relax_again = getattr(_session, "relaxed", False)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


@contextmanager
def _relaxed_commits():
    """On PostgreSQL, the sender's own updates commit without waiting for the disk.

    One flush per email was most of a batch's time. The update is committed in the server all the
    same, so a worker that dies or loses its connection forgets nothing; only a crash of the
    PostgreSQL server itself can forget the last fraction of a second of "sent" marks (those
    emails would go out again). OUTBOX_SYNCHRONOUS_COMMIT=true keeps every commit on disk.
    """
    _session.relaxed = _with_db_retries(lambda: _relax(connection))
    try:
        yield
    finally:
        relaxed, _session.relaxed, _session.relax_again = _session.relaxed, False, False
        if relaxed and connection.connection is not None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("RESET synchronous_commit")
            except (OperationalError, InterfaceError):
                connection.close()


def _relax(conn) -> bool:
    if conn.vendor != "postgresql" or settings.OUTBOX_SYNCHRONOUS_COMMIT or conn.in_atomic_block:
        return False
    with conn.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    return True
