from celery import shared_task

from badges import services


@shared_task(acks_late=True)
def escalate_stale_peer_reviews() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): peer reviews nobody did in time go to the organisers' queue."""
    return services.escalate_stale_peer_reviews()


@shared_task(acks_late=True)
def issue_playlist_badge_to_qualifiers(*, playlist_id: int, actor_id: int | None = None) -> int:
    """Queued after a playlist was published or changed: its badge to the many who already complete it."""
    return services.playlist_badge_issue_to_qualifiers(playlist_id=playlist_id, actor_id=actor_id)
