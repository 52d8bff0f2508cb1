from celery import shared_task
from celery.signals import worker_ready

from jobs.services import jobs_sweep, worker_beat


@shared_task
def sweep_jobs() -> dict:
    """Periodic (CELERY_BEAT_SCHEDULE): queue lost jobs again, refresh the ones following other work."""
    return jobs_sweep()


@shared_task
def heartbeat() -> None:
    """Periodic: proves that beat, the broker and a worker all work (/healthz reads the time)."""
    worker_beat()


@worker_ready.connect
def _worker_started(**_kwargs):
    worker_beat()
