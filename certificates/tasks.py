from celery import shared_task

from certificates.services import certificates_render_job, certificates_zip_job
from certificates.services.bulk import individuals_bulk_run
from certificates.services.deadlines import reminders_send_due
from jobs.services import job_run


@shared_task(acks_late=True)
def render_certificates(job_id: int, certificate_ids: list[int]) -> None:
    """A recorded job (certificates.render): render these certificates' PDFs, each once."""
    job_run(job_id, lambda run: certificates_render_job(run=run, certificate_ids=certificate_ids))


@shared_task(acks_late=True)
def build_zip(job_id: int, project_id: int) -> None:
    """A recorded job (certificates.zip): every current PDF of a project in one ZIP."""
    job_run(job_id, lambda run: certificates_zip_job(run=run, project_id=project_id))


@shared_task
def send_deadline_reminders() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): remind learners whose deadline is near; idempotent."""
    return reminders_send_due()


@shared_task(acks_late=True)
def individuals_bulk(job_id: int, **kwargs) -> None:
    """A recorded job (certificates.bulk): connect, invite or remind many individuals."""
    job_run(job_id, lambda run: individuals_bulk_run(run=run, **kwargs))
