"""Certificates: generating (one or a project's), rendering the PDF, revoking."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates import content
from certificates.models import AuditEntry, Certificate, Individual, Project
from certificates.services.common import CertificatesError, Status, audit, lock_individual, require_status
from learnerpass.lib.storage import PRIVATE, delete_on_commit


def certificate_snapshot(individual: Individual) -> dict:
    """What the certificate will say, from the accepted data and the project as they are now."""
    project = individual.project
    data = content.clean_data(individual.accepted_data)
    with translation.override(project.language):
        activity_type = str(project.get_activity_type_display())
        role = str(individual.get_role_display())
    return {
        "holder": f"{data['first_name'] or individual.first_name} {data['surname'] or individual.surname}".strip(),
        "fields": data,
        "parts": list(individual.parts),
        "role": role,
        "country": individual.country.code,
        "project": {
            "title": project.title,
            "activity_type": activity_type,
            "start_date": project.start_date.isoformat(),
            "end_date": project.end_date.isoformat(),
            "venue": project.venue,
            "description": project.description,
            "language": project.language,
        },
        "organisation": project.organisation.name,
        "signatories": [
            s
            for s in [
                {"name": project.representative_name, "role": project.representative_role},
                {"name": project.mentor_name, "role": project.mentor_role},
            ]
            if s["name"]
        ],
    }


def _queue_render(ids: list[int]) -> None:
    from certificates.tasks import render_certificate

    transaction.on_commit(lambda: [render_certificate.delay(pk) for pk in ids])


def _generate(individual: Individual, generated_by) -> Certificate:
    require_status(individual, Status.ACCEPTED, message=_("Only accepted data can be certified."))
    superseded = Certificate.objects.filter(individual=individual, status=Certificate.Status.VALID)
    # A superseded certificate stays verifiable (as superseded), but its PDF goes: the new one replaces it.
    for name in superseded.exclude(pdf="").values_list("pdf", flat=True):
        delete_on_commit(PRIVATE, name)
    superseded.update(status=Certificate.Status.SUPERSEDED, pdf="")
    certificate = Certificate.objects.create(
        individual=individual, data=certificate_snapshot(individual), generated_by=generated_by
    )
    audit(individual, generated_by, AuditEntry.Action.CERTIFICATE_GENERATED, code=certificate.code)
    return certificate


@transaction.atomic
def certificate_generate(*, individual: Individual, generated_by) -> Certificate:
    """Issue a new certificate (superseding the earlier one) and queue its PDF."""
    certificate = _generate(lock_individual(individual), generated_by)
    _queue_render([certificate.pk])
    return certificate


@transaction.atomic
def certificates_generate_for_project(*, project: Project, generated_by) -> list[Certificate]:
    individuals = list(
        Individual.objects.select_for_update()
        .filter(project=project, status=Status.ACCEPTED)
        .select_related("project__organisation")
    )
    if not individuals:
        raise CertificatesError(_("No individual of this project has accepted data yet."))
    certificates = [_generate(individual, generated_by) for individual in individuals]
    _queue_render([c.pk for c in certificates])
    return certificates


def certificate_render(*, certificate_id: int) -> bool:
    """Render and store one certificate's PDF; False when there was nothing to do (already rendered)."""
    from certificates.pdf import render_certificate_pdf

    certificate = (
        Certificate.objects.select_related("individual__project__organisation").filter(pk=certificate_id).first()
    )
    # A certificate superseded or revoked before its turn needs no PDF any more.
    if certificate is None or certificate.pdf or certificate.status != Certificate.Status.VALID:
        return False
    # Rendering takes a while; it happens outside the lock and the result is kept only if no
    # other worker stored one meanwhile.
    pdf = render_certificate_pdf(certificate)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate_id)
        # Another worker stored one, or the certificate was superseded or revoked while this one rendered.
        if locked.pdf or locked.status != Certificate.Status.VALID:
            return False
        locked.pdf.save(certificate.filename, ContentFile(pdf), save=False)
        locked.rendered_at = timezone.now()
        locked.render_error = ""
        locked.save(update_fields=["pdf", "rendered_at", "render_error"])
    return True


def certificate_render_failed(*, certificate_id: int, error: str) -> None:
    Certificate.objects.filter(pk=certificate_id).update(render_error=error[:2000])


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, revoked_by, reason: str) -> Certificate:
    certificate = Certificate.objects.select_for_update().select_related("individual").get(pk=certificate.pk)
    if certificate.status == Certificate.Status.REVOKED:
        raise CertificatesError(_("This certificate is already revoked."))
    reason = reason.strip()
    if not reason:
        raise CertificatesError(_("Give a reason: the verification page shows it."))
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_reason = reason
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = revoked_by
    certificate.save(update_fields=["status", "revoked_reason", "revoked_at", "revoked_by"])
    audit(
        certificate.individual, revoked_by, AuditEntry.Action.CERTIFICATE_REVOKED, code=certificate.code, reason=reason
    )
    return certificate
