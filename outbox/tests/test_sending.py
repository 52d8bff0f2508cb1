import smtplib

import pytest
from django.core import mail
from django.db import transaction

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
    assert emails_send(ids=[email.pk]) == 0
    assert mail.outbox == []


def test_an_expired_claim_is_taken_over():
    email = queue()
    from django.utils import timezone

    Email.objects.filter(pk=email.pk).update(claimed_until=timezone.now() - timezone.timedelta(seconds=1))
    assert emails_send(ids=[email.pk]) == 1


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


def test_a_transient_failure_keeps_the_email_queued_with_its_error(flaky):
    flaky.error = smtplib.SMTPServerDisconnected("connection lost")
    email = queue()
    send_emails.apply(args=[[email.pk]])
    email.refresh_from_db()
    assert email.status == Email.Status.QUEUED
    assert email.attempts == 1
    assert "connection lost" in email.last_error
    assert email.claimed_until is None


def test_a_permanent_failure_marks_the_email_failed(flaky):
    flaky.error = smtplib.SMTPRecipientsRefused({"x@example.test": (550, b"no such user")})
    email = queue()
    send_emails.apply(args=[[email.pk]])
    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
    assert "SMTPRecipientsRefused" in email.last_error


def test_transient_failures_give_up_after_the_attempt_cap(flaky):
    flaky.error = smtplib.SMTPResponseException(451, b"try later")
    email = queue()
    Email.objects.filter(pk=email.pk).update(attempts=4)
    emails_send_result = None
    try:
        emails_send_result = emails_send(ids=[email.pk])
    except Exception as exc:  # the last attempt records the failure and raises nothing transient
        raise AssertionError(exc) from exc
    assert emails_send_result == 0
    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
    assert email.attempts == 5


def test_the_task_retries_a_transient_failure_with_backoff(flaky, monkeypatch):
    from celery.exceptions import Retry

    flaky.error = smtplib.SMTPServerDisconnected("later")
    email = queue()
    seen = {}

    def fake_retry(*, exc, countdown):
        seen["countdown"] = countdown
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(send_emails, "retry", fake_retry)
    monkeypatch.setattr(send_emails.request_stack.top or send_emails.request, "is_eager", False, raising=False)
    with pytest.raises(Retry):
        send_emails.run([email.pk])
    assert seen["countdown"] == 30


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
