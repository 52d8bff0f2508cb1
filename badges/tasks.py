from celery import shared_task

from badges import services
from jobs.services import job_run


@shared_task(acks_late=True)
def escalate_stale_peer_reviews() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): peer reviews nobody did in time go to the organisers' queue."""
    return services.escalate_stale_peer_reviews()


@shared_task(acks_late=True)
def issue_playlist_badge_to_qualifiers(job_id: int, playlist_id: int) -> None:
    """The recorded job started when a playlist was published or changed: its badge to the many who already
    complete it."""
    job_run(
        job_id,
        lambda run: services.playlist_badge_issue_to_qualifiers(
            playlist_id=playlist_id, actor_id=run.job.started_by_id, run=run
        ),
    )


@shared_task(acks_late=True)
def bake_images(job_id: int, assertion_ids: list[int]) -> None:
    """A recorded job (badges.bake): store each assertion's baked image once."""
    job_run(job_id, lambda run: services.assertions_bake(run=run, assertion_ids=assertion_ids))
