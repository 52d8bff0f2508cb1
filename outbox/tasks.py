from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from outbox.services import BROKER_ERRORS, emails_requeue_stale, emails_send, log


# A database error before anything was sent (claiming the batch) retries the whole task; the
# rows it did send are recorded, so a retry skips them.
@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=20,
)
def send_emails(self, ids: list[int]) -> int:
    outcome = emails_send(ids=ids)
    if outcome.retry_ids and not self.request.is_eager:
        # The rows know when they are due; this task just brings them back then. If it is lost,
        # the sweeper finds them.
        countdown = max(1.0, (outcome.retry_at - timezone.now()).total_seconds())
        try:
            send_emails.apply_async((outcome.retry_ids,), countdown=countdown)
        except BROKER_ERRORS:
            log.warning("could not queue the retry of %s emails; the sweeper will", len(outcome.retry_ids))
    return outcome.sent


@shared_task
def requeue_stale_emails() -> int:
    return emails_requeue_stale()
