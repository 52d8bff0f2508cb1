import logging

from celery import shared_task

from programs import services

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def validate_batch(batch_id: int) -> None:
    try:
        services.batch_validate_stored(batch_id=batch_id)
    except Exception:
        # Say so on the page instead of leaving it polling a batch nobody will finish.
        log.exception("validating invitation batch %s failed", batch_id)
        services.batch_mark_failed(batch_id=batch_id, message="The file could not be checked.")


@shared_task(acks_late=True)
def send_batch(batch_id: int) -> int:
    try:
        return services.batch_send(batch_id=batch_id)
    except Exception as exc:
        # The send transaction rolled back, so nothing was created; say so on the page instead of spinning forever.
        log.exception("sending invitation batch %s failed", batch_id)
        services.batch_mark_failed(batch_id=batch_id, message=f"{type(exc).__name__}: {exc}")
        return 0


@shared_task
def expire_invitations() -> int:
    return services.invitations_expire()
