"""A certificate in another language: the same certificate (same code) rendered in another certificate
language when its holder asks for it."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate, CertificateCopy
from certificates.services.common import CertificatesError

LANGUAGE_NAMES = dict(settings.CERTIFICATE_LANGUAGES)


def _queue_render(copy_id: int) -> None:
    from certificates.tasks import render_certificate_copy

    transaction.on_commit(lambda: render_certificate_copy.delay(copy_id))


@transaction.atomic
def certificate_copy_request(*, certificate: Certificate, language: str) -> CertificateCopy:
    """Ask for the certificate in `language`; asking again (a double click) returns the same copy, and a copy
    that failed to render is tried again."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != Certificate.Status.VALID:
        raise CertificatesError(_("Only a valid certificate can be had in another language."))
    if language not in LANGUAGE_NAMES:
        raise CertificatesError(_("Choose one of the certificate languages."))
    if language == certificate.data.get("project", {}).get("language"):
        raise CertificatesError(
            _("The certificate is already in %(language)s.") % {"language": LANGUAGE_NAMES[language]}
        )
    try:
        with transaction.atomic():
            copy, created = CertificateCopy.objects.get_or_create(certificate=certificate, language=language)
    except IntegrityError:
        copy, created = CertificateCopy.objects.get(certificate=certificate, language=language), False
    if created or (not copy.pdf and copy.render_error):
        CertificateCopy.objects.filter(pk=copy.pk).update(render_error="")
        copy.render_error = ""
        _queue_render(copy.pk)
    return copy


def certificate_copy_render(*, copy_id: int) -> bool:
    """Render and store one copy; False when there was nothing to do. Safe to run twice."""
    from certificates.pdf import render_certificate_pdf
    from certificates.services.certificates import certificate_credential_json

    copy = (
        CertificateCopy.objects.select_related("certificate__individual__project__organisation")
        .filter(pk=copy_id)
        .first()
    )
    if copy is None or copy.pdf or copy.certificate.status != Certificate.Status.VALID:
        return False
    certificate = copy.certificate
    # The copy carries the same signed credential as the original.
    certificate.credential = certificate_credential_json(certificate=certificate)
    pdf = render_certificate_pdf(certificate, copy.language)
    with transaction.atomic():
        locked = CertificateCopy.objects.select_for_update().select_related("certificate").get(pk=copy_id)
        if locked.pdf or locked.certificate.status != Certificate.Status.VALID:
            return False
        locked.pdf.save(copy.filename, ContentFile(pdf), save=False)
        locked.rendered_at = timezone.now()
        locked.render_error = ""
        locked.save(update_fields=["pdf", "rendered_at", "render_error"])
    return True


def certificate_copy_render_failed(*, copy_id: int, error: str) -> None:
    CertificateCopy.objects.filter(pk=copy_id).update(render_error=error[:2000])
