from celery import shared_task

from outbox.services import TransientSendError, emails_requeue_stale, emails_send


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_emails(self, ids: list[int]) -> int:
    try:
        return emails_send(ids=ids)
    except TransientSendError as exc:
        if self.request.is_eager:
            # Embedded mode: the rows stay queued with their error; nothing waits in-process.
            return 0
        # 30 s, 60 s, 120 s, … capped at 10 minutes
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 600)) from None


@shared_task
def requeue_stale_emails() -> int:
    return emails_requeue_stale()
