"""Certificates: generating (one or a project's), rendering the PDF, revoking."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import AuditEntry, Certificate, Individual, Project
from certificates.selectors import generation_plan
from certificates.services.common import CertificatesError, Status, audit, lock_individual, require_status
from certificates.services.emails import certificate_ready_email, certificate_revoked_email
from certificates.snapshot import certificate_snapshot
from credentials import services as credentials
from learnerpass.lib.storage import PRIVATE, delete_on_commit


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
    [entry] = credentials.status_entries_allocate(organisation=individual.project.organisation, count=1)
    certificate = Certificate.objects.create(
        individual=individual,
        data=certificate_snapshot(individual),
        generated_by=generated_by,
        status_list_id=entry.status_list_id,
        status_index=entry.index,
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
    """Certificates for the accepted individuals who have none, or whose certificate is out of date.

    A certificate that still says the right thing keeps its code: the QR code its holder shared stays valid.
    """
    plan = generation_plan(project, lock=True)
    if not plan["accepted"]:
        raise CertificatesError(_("No individual of this project has accepted data yet."))
    individuals = plan["todo"]
    if not individuals:
        raise CertificatesError(_("Every accepted individual already has a current certificate."))
    certificates = [_generate(individual, generated_by) for individual in individuals]
    _queue_render([c.pk for c in certificates])
    return certificates


@transaction.atomic
def certificates_replace_for_project(*, project: Project, generated_by, expected: int | None) -> list[Certificate]:
    """A new certificate for every accepted individual, superseding every valid one (new codes for all).

    `expected` is the number of valid certificates the organiser was told would be superseded; when it
    changed meanwhile nothing happens, so nobody supersedes more than they agreed to.
    """
    plan = generation_plan(project, lock=True)
    if not plan["accepted"]:
        raise CertificatesError(_("No individual of this project has accepted data yet."))
    if expected != plan["valid"]:
        raise CertificatesError(
            _("The number of valid certificates changed since you were asked (now %(n)s). Check again.")
            % {"n": plan["valid"]}
        )
    certificates = [_generate(individual, generated_by) for individual in plan["accepted"]]
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
    # The PDF carries the signed credential, so it is signed (and kept) first.
    certificate.credential = certificate_credential_json(certificate=certificate)
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
        # Once per certificate: only the run that stores the PDF gets here, in the same transaction.
        certificate_ready_email(certificate)
    return True


def certificate_render_failed(*, certificate_id: int, error: str) -> None:
    Certificate.objects.filter(pk=certificate_id).update(render_error=error[:2000])


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, revoked_by, reason: str) -> Certificate:
    certificate = (
        Certificate.objects.select_for_update()
        .select_related("individual__project__organisation")
        .get(pk=certificate.pk)
    )
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
    # One truth: the OB 3.0 status list says so in the same transaction as the verification page.
    if certificate.status_list_id is not None:
        credentials.status_set(status_list_id=certificate.status_list_id, index=certificate.status_index)
    audit(
        certificate.individual, revoked_by, AuditEntry.Action.CERTIFICATE_REVOKED, code=certificate.code, reason=reason
    )
    certificate_revoked_email(certificate)
    return certificate


def certificate_credential_json(*, certificate: Certificate) -> str:
    """The certificate's signed AchievementCredential as served and attached to its PDF: signed once, then kept.

    A superseded certificate keeps its credential valid (it states a true participation; the verification
    page says a newer version exists); only revoking flips its status.
    """
    from certificates import ob3

    if certificate.credential:
        return certificate.credential
    certificate = _with_status_entry(certificate)
    document = ob3.certificate_credential(certificate, status_list_public_id=certificate.status_list.public_id)
    organisation = certificate.individual.project.organisation
    signed = credentials.dumps(credentials.credential_sign(organisation=organisation, document=document))
    # Two first requests may sign at once: the first to store its credential wins and both serve it.
    if not Certificate.objects.filter(pk=certificate.pk, credential="").update(credential=signed):
        return Certificate.objects.values_list("credential", flat=True).get(pk=certificate.pk) or signed
    return signed


def _with_status_entry(certificate: Certificate) -> Certificate:
    """Certificates generated before credentials existed get their entry now (and the bit, if revoked)."""
    if certificate.status_list_id is None:
        with transaction.atomic():
            locked = (
                Certificate.objects.select_for_update()
                .select_related("individual__project__organisation")
                .get(pk=certificate.pk)
            )
            if locked.status_list_id is None:
                [entry] = credentials.status_entries_allocate(
                    organisation=locked.individual.project.organisation, count=1
                )
                locked.status_list_id, locked.status_index = entry.status_list_id, entry.index
                locked.save(update_fields=["status_list", "status_index"])
                if locked.status == Certificate.Status.REVOKED:
                    credentials.status_set(status_list_id=entry.status_list_id, index=entry.index)
    return Certificate.objects.select_related("individual__project__organisation", "status_list").get(pk=certificate.pk)
