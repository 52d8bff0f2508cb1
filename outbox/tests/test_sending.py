import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from outbox.models import Email
from outbox.services import email_queue, email_retry, emails_send, render_email
from outbox.tasks import send_emails

pytestmark = pytest.mark.django_db


def queue(to="learner@example.test", name="Ana"):
    return email_queue(to=to, template="outbox/test", context={"name": name}, kind="test")


def test_an_email_is_sent_only_after_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            email = queue()
            assert mail.outbox == []
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Test email for Ana"
    assert "Hello Ana" in message.body
    assert "Hello Ana" in message.alternatives[0].content
    assert message.extra_headers["X-LearnerPass-Email-Id"] == str(email.pk)


def test_a_rolled_back_cause_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            queue()
            raise RuntimeError("the cause failed")
    assert Email.objects.count() == 0
    assert mail.outbox == []


def test_the_rendered_subject_and_bodies_are_kept(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(name="<b>Bo</b>")
    email.refresh_from_db()
    assert email.subject == "Test email for <b>Bo</b>"
    assert "&lt;b&gt;Bo&lt;/b&gt;" in email.body_html  # HTML bodies escape what users wrote
    assert "Hello <b>Bo</b>" in email.body_text


def test_a_task_delivered_twice_sends_once(django_capture_on_commit_callbacks):
    email = queue()
    send_emails.apply(args=[[email.pk]])
    send_emails.apply(args=[[email.pk]])
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_a_row_claimed_by_another_sender_is_skipped():
    email = queue()
    from django.utils import timezone

    Email.objects.filter(pk=email.pk).update(claimed_until=timezone.now() + timezone.timedelta(minutes=5))
    assert emails_send(ids=[email.pk]).sent == 0
    assert mail.outbox == []


def test_an_expired_claim_is_taken_over():
    email = queue()
    from django.utils import timezone

    Email.objects.filter(pk=email.pk).update(claimed_until=timezone.now() - timezone.timedelta(seconds=1))
    assert emails_send(ids=[email.pk]).sent == 1


class FlakyBackend:
    """Fails every send with the exception class set on it."""

    error: Exception = smtplib.SMTPServerDisconnected("gone")

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise self.error


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "outbox.tests.test_sending.FlakyBackend"
    return FlakyBackend


def test_a_transient_failure_keeps_the_email_queued_with_its_error_and_next_attempt(flaky):
    flaky.error = smtplib.SMTPServerDisconnected("connection lost")
    email = queue()
    before = timezone.now()
    send_emails.apply(args=[[email.pk]])
    email.refresh_from_db()
    assert email.status == Email.Status.QUEUED
    assert email.attempts == 1
    assert "connection lost" in email.last_error
    assert email.claimed_until is None
    assert email.failing_since >= before
    assert timedelta(seconds=29) <= email.next_attempt_at - email.failing_since <= timedelta(seconds=31)


def test_a_permanent_failure_marks_the_email_failed(flaky):
    flaky.error = smtplib.SMTPRecipientsRefused({"x@example.test": (550, b"no such user")})
    email = queue()
    send_emails.apply(args=[[email.pk]])
    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
    assert "SMTPRecipientsRefused" in email.last_error
    assert email.next_attempt_at is None


def test_an_email_is_not_tried_again_before_its_next_attempt(flaky, settings):
    flaky.error = smtplib.SMTPResponseException(451, b"try later")
    email = queue()
    emails_send(ids=[email.pk])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert emails_send(ids=[email.pk]).sent == 0
    Email.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert emails_send(ids=[email.pk]).sent == 1
    email.refresh_from_db()
    assert email.status == Email.Status.SENT and email.attempts == 2
    assert email.next_attempt_at is None and email.failing_since is None and email.last_error == ""


def _failing_for(email, seconds):
    Email.objects.filter(pk=email.pk).update(
        failing_since=timezone.now() - timedelta(seconds=seconds), next_attempt_at=timezone.now()
    )
    email.refresh_from_db()


def test_the_wait_before_the_next_attempt_grows_with_how_long_the_email_has_been_failing(flaky, settings):
    flaky.error = smtplib.SMTPResponseException(451, b"try later")
    email = queue()
    for failing, wait in [(0, 30), (10, 30), (100, 100), (400, 400), (5000, 900), (80_000, 900)]:
        _failing_for(email, failing)
        emails_send(ids=[email.pk])
        email.refresh_from_db()
        assert email.status == Email.Status.QUEUED
        assert abs((email.next_attempt_at - timezone.now()).total_seconds() - wait) < 5, (failing, wait)


def test_an_outage_longer_than_five_attempts_does_not_fail_the_email(flaky):
    # The old rule failed an email for good after five attempts (7.5 minutes of backoff).
    flaky.error = smtplib.SMTPResponseException(451, b"try later")
    email = queue()
    Email.objects.filter(pk=email.pk).update(attempts=20)
    _failing_for(email, 3 * 60 * 60)
    emails_send(ids=[email.pk])
    email.refresh_from_db()
    assert email.status == Email.Status.QUEUED and email.attempts == 21


def test_transient_failures_give_up_after_a_day(flaky):
    flaky.error = smtplib.SMTPResponseException(451, b"try later")
    email = queue()
    _failing_for(email, 24 * 60 * 60 + 1)
    outcome = emails_send(ids=[email.pk])
    assert outcome.sent == 0 and outcome.retry_ids == []
    email.refresh_from_db()
    assert email.status == Email.Status.FAILED and email.next_attempt_at is None
    assert "451" in email.last_error


def test_the_task_brings_transient_failures_back_when_they_are_due(flaky, monkeypatch):
    flaky.error = smtplib.SMTPServerDisconnected("later")
    email = queue()
    queued = []
    monkeypatch.setattr(send_emails, "apply_async", lambda args, countdown: queued.append((args, countdown)))
    monkeypatch.setattr(send_emails.request_stack.top or send_emails.request, "is_eager", False, raising=False)
    assert send_emails.run([email.pk]) == 0
    [(args, countdown)] = queued
    assert args == ([email.pk],) and 28 <= countdown <= 30


class DropsOnceBackend(FlakyBackend):
    """Drops the connection on the second message; opening again works unless `reopen_fails`."""

    sent: list = []
    opened = 0
    reopen_fails = False

    def open(self):
        DropsOnceBackend.opened += 1
        if DropsOnceBackend.opened > 1 and self.reopen_fails:
            raise ConnectionRefusedError("refused")
        return True

    def send_messages(self, messages):
        if len(DropsOnceBackend.sent) == 1 and not getattr(DropsOnceBackend, "dropped", False):
            DropsOnceBackend.dropped = True
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        DropsOnceBackend.sent.extend(messages)
        return len(messages)


@pytest.fixture
def drops_once(settings):
    settings.EMAIL_BACKEND = "outbox.tests.test_sending.DropsOnceBackend"
    DropsOnceBackend.sent, DropsOnceBackend.opened, DropsOnceBackend.dropped = [], 0, False
    DropsOnceBackend.reopen_fails = False
    return DropsOnceBackend


def test_a_connection_dropped_mid_batch_is_reopened_for_the_rest(drops_once):
    emails = [queue(to=f"l{n}@example.test") for n in range(4)]
    outcome = emails_send(ids=[email.pk for email in emails])
    assert outcome.sent == 3 and outcome.retry_ids == [emails[1].pk]
    assert drops_once.opened == 2
    assert [message.to for message in drops_once.sent] == [
        ["l0@example.test"],
        ["l2@example.test"],
        ["l3@example.test"],
    ]
    statuses = dict(Email.objects.values_list("to", "status"))
    assert statuses["l1@example.test"] == Email.Status.QUEUED


def test_when_the_server_cannot_be_reached_again_the_rest_of_the_batch_waits_untried(drops_once):
    drops_once.reopen_fails = True
    emails = [queue(to=f"l{n}@example.test") for n in range(4)]
    outcome = emails_send(ids=[email.pk for email in emails])
    assert outcome.sent == 1 and outcome.retry_ids == [email.pk for email in emails[1:]]
    attempts = dict(Email.objects.values_list("to", "attempts"))
    assert attempts == {"l0@example.test": 1, "l1@example.test": 1, "l2@example.test": 0, "l3@example.test": 0}
    assert set(Email.objects.exclude(to="l0@example.test").values_list("status", flat=True)) == {Email.Status.QUEUED}


class UnreachableBackend(FlakyBackend):
    def open(self):
        raise smtplib.SMTPAuthenticationError(535, b"bad credentials")


def test_a_mail_server_that_refuses_the_connection_leaves_every_email_queued(settings):
    # Even a 5xx at login: the settings are at fault, not the emails, and fixing them sends everything.
    settings.EMAIL_BACKEND = "outbox.tests.test_sending.UnreachableBackend"
    emails = [queue(to=f"l{n}@example.test") for n in range(2)]
    outcome = emails_send(ids=[email.pk for email in emails])
    assert outcome.sent == 0 and len(outcome.retry_ids) == 2
    assert set(Email.objects.values_list("status", "attempts")) == {(Email.Status.QUEUED, 0)}
    assert "bad credentials" in Email.objects.first().last_error


def test_an_email_whose_template_is_gone_fails_and_the_batch_goes_on():
    broken = email_queue(to="broken@example.test", template="outbox/no-such-template", context={}, kind="test")
    fine = queue(to="fine@example.test")
    outcome = emails_send(ids=[broken.pk, fine.pk])
    assert outcome.sent == 1
    broken.refresh_from_db()
    assert broken.status == Email.Status.FAILED and "TemplateDoesNotExist" in broken.last_error
    assert [message.to for message in mail.outbox] == [["fine@example.test"]]


def test_a_failed_email_can_be_resent(flaky, settings, django_capture_on_commit_callbacks):
    flaky.error = smtplib.SMTPRecipientsRefused({"x@example.test": (550, b"no")})
    email = queue()
    send_emails.apply(args=[[email.pk]])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        email = email_retry(email=email)
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert len(mail.outbox) == 1


def test_resending_an_email_that_did_not_fail_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()
    with django_capture_on_commit_callbacks(execute=True):
        email_retry(email=email)
    assert len(mail.outbox) == 1


def test_an_email_is_rendered_in_its_own_language():
    email = queue()
    Email.objects.filter(pk=email.pk).update(language="fr")
    email.refresh_from_db()
    subject, text, html = render_email(email)
    assert "Ana" in subject and html.startswith("<!doctype html>")


def _age(email, minutes):
    from django.utils import timezone

    Email.objects.filter(pk=email.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=minutes))


def test_emails_whose_task_was_lost_are_sent_by_the_sweeper(django_capture_on_commit_callbacks):
    from outbox.tasks import requeue_stale_emails

    lost = queue(to="lost@example.test")  # its task never ran (no on-commit callbacks executed)
    _age(lost, 10)
    fresh = queue(to="fresh@example.test")  # its task may still be on its way
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_emails.apply().get() == 1
    assert [m.to for m in mail.outbox] == [["lost@example.test"]]
    fresh.refresh_from_db()
    assert fresh.status == Email.Status.QUEUED


def test_the_sweeper_leaves_emails_another_worker_is_sending(django_capture_on_commit_callbacks):
    from django.utils import timezone

    from outbox.services import emails_requeue_stale

    email = queue()
    _age(email, 10)
    Email.objects.filter(pk=email.pk).update(claimed_until=timezone.now() + timezone.timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert emails_requeue_stale() == 0
    assert mail.outbox == []


def test_many_emails_queued_at_once_are_sent_after_commit_each_from_its_own_context(
    django_capture_on_commit_callbacks, org
):
    from outbox.services import emails_queue_many

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ids = emails_queue_many(
            template="outbox/test",
            kind="test",
            items=[("ana@example.test", {"name": "Ana"}, org.pk), ("bo@example.test", {"name": "Bo"}, None)],
            ref_model=type(org),
            language="fr",
        )
        assert mail.outbox == []
    ana, bo = Email.objects.filter(pk__in=ids).order_by("pk")
    assert (ana.to, ana.ref_type, ana.ref_id, ana.language) == (
        "ana@example.test",
        "organisations.organisation",
        org.pk,
        "fr",
    )
    assert bo.ref_id is None and bo.context == {"name": "Bo"}
    assert {ana.status, bo.status} == {Email.Status.SENT}
    assert sorted(message.to[0] for message in mail.outbox) == ["ana@example.test", "bo@example.test"]


def unsent(to):
    """A queued row whose send task has not run (outside a test transaction, queue() would send it at once)."""
    from outbox.services import build_email

    email = build_email(to=to, template="outbox/test", context={"name": "Ana"}, kind="test")
    email.save()
    return email


def _failing_updates(count):
    """An execute wrapper failing the next `count` "sent" marks as a dropped connection would."""
    from django.db import OperationalError

    left = {"count": count}

    def wrapper(execute, sql, params, many, context):
        if sql.startswith('UPDATE "outbox_email"') and '"sent_at"' in sql and left["count"]:
            left["count"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.django_db(transaction=True)
def test_a_database_error_after_the_server_took_an_email_is_retried_and_nothing_goes_twice(settings):
    from django.db import connection

    emails = [unsent(f"l{n}@example.test") for n in range(3)]
    with connection.execute_wrapper(_failing_updates(3)):
        outcome = emails_send(ids=[email.pk for email in emails])
    assert outcome.sent == 3
    assert sorted(message.to[0] for message in mail.outbox) == [f"l{n}@example.test" for n in range(3)]
    assert set(Email.objects.values_list("status", "attempts")) == {(Email.Status.SENT, 1)}
    # A task delivered again finds them sent.
    assert emails_send(ids=[email.pk for email in emails]).sent == 0
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_a_database_down_for_longer_than_the_retry_time_stops_the_batch_and_its_claim_holds_the_rows(settings):
    from django.db import OperationalError, connection

    settings.OUTBOX_DB_RETRY_SECONDS = 0.3
    emails = [unsent(f"l{n}@example.test") for n in range(2)]
    with connection.execute_wrapper(_failing_updates(1000)), pytest.raises(OperationalError):
        emails_send(ids=[email.pk for email in emails])
    # One email went out unrecorded; the batch's claim keeps every other sender off its rows...
    assert len(mail.outbox) == 1
    assert emails_send(ids=[email.pk for email in emails]).sent == 0
    # ... until it runs out: then both go, the unrecorded one a second time (the one duplicate such an outage costs).
    Email.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert emails_send(ids=[email.pk for email in emails]).sent == 2
    assert [message.to[0] for message in mail.outbox] == ["l0@example.test", "l0@example.test", "l1@example.test"]


def test_a_retry_whose_task_was_lost_is_queued_again_by_the_sweeper(django_capture_on_commit_callbacks):
    from outbox.services import emails_requeue_stale

    lost = queue(to="lost@example.test")
    Email.objects.filter(pk=lost.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    later = queue(to="later@example.test")
    _age(later, 10)
    Email.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert emails_requeue_stale() == 1
    assert [m.to for m in mail.outbox] == [["lost@example.test"]]


def test_the_same_claim_made_again_after_a_database_error_takes_the_same_rows():
    import uuid

    from outbox.services import _claim

    emails = [queue(to=f"l{n}@example.test") for n in range(2)]
    claim = uuid.uuid4()
    first = _claim([email.pk for email in emails], claim)
    again = _claim([email.pk for email in emails], claim)
    assert [email.pk for email in again] == [email.pk for email in first] == [email.pk for email in emails]
    assert _claim([email.pk for email in emails], uuid.uuid4()) == []


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_senders_marks_do_not_wait_for_the_disk_and_the_setting_is_restored():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    seen = []

    def spy(execute, sql, params, many, context):
        if "synchronous_commit" in sql:
            seen.append(sql)
        return execute(sql, params, many, context)

    email = unsent("learner@example.test")
    with connection.execute_wrapper(spy):
        assert emails_send(ids=[email.pk]).sent == 1
    assert seen == ["SET synchronous_commit TO OFF", "RESET synchronous_commit"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_the_retry_of_a_batch_comes_when_every_email_of_it_is_due(flaky, monkeypatch):
    flaky.error = smtplib.SMTPResponseException(451, b"try later")
    emails = [queue(to=f"l{n}@example.test") for n in range(3)]
    Email.objects.filter(pk=emails[2].pk).update(failing_since=timezone.now() - timedelta(seconds=100))
    queued = []
    monkeypatch.setattr(send_emails, "apply_async", lambda args, countdown: queued.append((args, countdown)))
    monkeypatch.setattr(send_emails.request_stack.top or send_emails.request, "is_eager", False, raising=False)
    send_emails.run([email.pk for email in emails])
    [(args, countdown)] = queued
    # The third has been failing for 100 s, so it waits 100 s; a task coming earlier would skip it.
    assert args == ([email.pk for email in emails],) and 98 <= countdown <= 101


def test_an_email_waiting_for_its_next_attempt_says_when_to_the_organiser():
    from datetime import UTC, datetime

    from django.template.loader import render_to_string

    email = Email(
        status=Email.Status.QUEUED,
        last_error="SMTPDataError: (451, b'try later')",
        next_attempt_at=datetime(2030, 1, 2, 3, 4, tzinfo=UTC),
    )
    html = render_to_string("outbox/_status.html", {"email": email})
    assert "Email queued" in html and "retrying at 03:04 UTC" in html and "451" in html
