import logging

from celery import shared_task
from django.db import OperationalError

from certificates.services import certificates_render_job, certificates_zip_job
from certificates.services.bulk import individuals_bulk_run
from certificates.services.copies import certificate_copy_render, certificate_copy_render_failed
from certificates.services.deadlines import reminders_send_due
from jobs.services import job_run

log = logging.getLogger(__name__)


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


@shared_task(bind=True, max_retries=3, acks_late=True)
def render_certificate_copy(self, copy_id: int) -> bool:
    """Render a certificate in another language; running it twice renders once."""
    try:
        return certificate_copy_render(copy_id=copy_id)
    except OperationalError as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=min(10 * 2**self.request.retries, 300)) from None
    except Exception as exc:
        log.exception("certificate copy %s did not render", copy_id)
        certificate_copy_render_failed(copy_id=copy_id, error=f"{type(exc).__name__}: {exc}")
        return False
