import logging

from celery import shared_task
from django.db import OperationalError

from certificates.services import certificate_render, certificate_render_failed
from certificates.services.bulk import individuals_bulk_run
from certificates.services.copies import certificate_copy_render, certificate_copy_render_failed
from certificates.services.deadlines import reminders_send_due
from jobs.services import job_run

log = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3, acks_late=True)
def render_certificate(self, certificate_id: int) -> bool:
    """Render one certificate's PDF; running it twice renders once (the stored file is checked)."""
    try:
        return certificate_render(certificate_id=certificate_id)
    except OperationalError as exc:
        # The database was briefly unavailable: worth another try.
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=min(10 * 2**self.request.retries, 300)) from None
    except Exception as exc:
        # A broken document will not render on a retry; record it for the organiser.
        log.exception("certificate %s did not render", certificate_id)
        certificate_render_failed(certificate_id=certificate_id, error=f"{type(exc).__name__}: {exc}")
        return False


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
