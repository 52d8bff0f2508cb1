import logging

from celery import shared_task
from django.db import OperationalError

from certificates.services import certificate_render, certificate_render_failed

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
