from celery import shared_task

from badges import services


@shared_task(acks_late=True)
def escalate_stale_peer_reviews() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): peer reviews nobody did in time go to the organisers' queue."""
    return services.escalate_stale_peer_reviews()
