from celery import shared_task

from jobs.services import job_run
from programs import services


@shared_task(acks_late=True)
def validate_batch(job_id: int, batch_id: int) -> None:
    """A recorded job (programs.check): validate a stored upload."""
    job_run(job_id, lambda run: services.batch_validate_stored(batch_id=batch_id, run=run))


@shared_task(acks_late=True)
def send_batch(job_id: int, batch_id: int) -> None:
    """A recorded job (programs.send): create the invitations, then follow their emails."""
    job_run(job_id, lambda run: services.batch_send_job(run=run, batch_id=batch_id))


@shared_task
def expire_invitations() -> int:
    return services.invitations_expire()
