"""Certificates: generating (one or a project's), rendering the PDF, revoking."""

import logging
import tempfile

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from certificates.archive import write_zip
from certificates.jobs import RENDER, ZIP
from certificates.models import AuditEntry, Certificate, CertificateCopy, Individual, Project
from certificates.selectors import generation_plan, rendered_certificates
from certificates.services.common import CertificatesError, Status, audit, lock_individual, require_status
from certificates.services.emails import certificate_ready_email, certificate_revoked_email
from certificates.snapshot import ProjectSnapshot
from credentials import services as credentials
from jobs.models import Job
from jobs.services import JobRun, job_start, ref_filter
from learnerpass.lib.storage import PRIVATE, delete_on_commit

log = logging.getLogger(__name__)


def _start_render(certificates: list[Certificate], *, about: Project | Individual, started_by) -> Job:
    """One recorded job renders these certificates' PDFs, after commit; its page is the one it was started from."""
    from certificates.tasks import render_certificates

    if isinstance(about, Project):
        organisation = about.organisation
        return_url = reverse("certificates:project", kwargs={"org_slug": organisation.slug, "pk": about.pk})
    else:
        organisation = about.project.organisation
        return_url = reverse("certificates:individual", kwargs={"org_slug": organisation.slug, "pk": about.pk})
    return job_start(
        kind=RENDER,
        task=render_certificates,
        organisation=organisation,
        started_by=started_by,
        ref=about,
        total=len(certificates),
        task_kwargs={"certificate_ids": [c.pk for c in certificates]},
        return_url=return_url,
    )


def _generate(individual: Individual, generated_by, now: ProjectSnapshot | None = None) -> Certificate:
    """`now`: the project's snapshot when generating for several of its individuals (worked out once)."""
    require_status(individual, Status.ACCEPTED, message=_("Only accepted data can be certified."))
    superseded = Certificate.objects.filter(individual=individual, status=Certificate.Status.VALID)
    # A superseded certificate stays verifiable (as superseded), but its PDF goes: the new one replaces it.
    for name in superseded.exclude(pdf="").values_list("pdf", flat=True):
        delete_on_commit(PRIVATE, name)
    # Its copies in other languages go with it: the new certificate's holder asks again for the ones they need.
    copies = CertificateCopy.objects.filter(certificate__in=superseded)
    for name in copies.exclude(pdf="").values_list("pdf", flat=True):
        delete_on_commit(PRIVATE, name)
    copies.delete()
    superseded.update(status=Certificate.Status.SUPERSEDED, pdf="")
    [entry] = credentials.status_entries_allocate(organisation=individual.project.organisation, count=1)
    certificate = Certificate.objects.create(
        individual=individual,
        data=(now or ProjectSnapshot(individual.project)).of(individual),
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
    _start_render([certificate], about=individual, started_by=generated_by)
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
    now = ProjectSnapshot(project)  # once for all: its words translated and its partners read once
    certificates = [_generate(individual, generated_by, now) for individual in individuals]
    _start_render(certificates, about=project, started_by=generated_by)
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
    now = ProjectSnapshot(project)
    certificates = [_generate(individual, generated_by, now) for individual in plan["accepted"]]
    _start_render(certificates, about=project, started_by=generated_by)
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


def certificates_render_job(*, run: JobRun, certificate_ids: list[int]) -> None:
    """The render job: each certificate's PDF once, in order, counting what happened to each.

    Idempotent: after a lost worker it runs again from the start, and what is stored already is
    counted, not rendered again; codes were given when the certificates were generated, never here.
    """
    run.total, run.done, run.counts, run.reasons = len(certificate_ids), 0, {}, {}
    run.flush()
    for certificate_id in certificate_ids:
        try:
            certificate_render(certificate_id=certificate_id)
        except DatabaseError:
            raise
        except Exception as exc:
            # A broken document will not render on a retry; record it for the organiser and go on.
            log.exception("certificate %s did not render", certificate_id)
            certificate_render_failed(certificate_id=certificate_id, error=f"{type(exc).__name__}: {exc}")
            run.count("failed", reason=_("The PDF could not be rendered (%(error)s).") % {"error": type(exc).__name__})
        else:
            state = Certificate.objects.filter(pk=certificate_id).values("pdf", "status").first()
            if state and state["pdf"]:
                run.count("rendered")
            else:
                run.count("skipped", reason=_("Superseded or revoked before its turn."))
        run.advance()


def certificates_zip_job(*, run: JobRun, project_id: int) -> None:
    """The ZIP job: every current PDF of the project in one archive, kept as the job's result."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise CertificatesError(_("This project no longer exists."))
    certificates = list(rendered_certificates(project))
    if not certificates:
        raise CertificatesError(_("No certificate of this project is rendered yet."))
    run.total, run.done, run.counts = len(certificates), 0, {}
    run.flush()

    def added():
        run.count("added")
        run.advance()

    # On disk rather than in memory: hundreds of PDFs make a big archive.
    with tempfile.TemporaryFile() as target:
        write_zip(certificates, target, on_added=added)
        target.seek(0)
        name = slugify(project.title)[:60] or str(project.pk)
        run.save_result(f"certificates-{name}.zip", File(target))
    # Older archives of the project are out of date now: only the latest is kept.
    for old in Job.objects.filter(kind=ZIP, **ref_filter(project)).exclude(pk=run.pk).exclude(result_file=""):
        old.result_file.delete(save=False)
        Job.objects.filter(pk=old.pk).update(result_file="")


@transaction.atomic
def certificates_zip_start(*, project: Project, started_by) -> Job:
    """Start building the project's ZIP in the background; refused while one is being built."""
    if not rendered_certificates(project).exists():
        raise CertificatesError(_("No certificate of this project is rendered yet."))
    busy = Job.objects.filter(kind=ZIP, **ref_filter(project), state__in=[Job.State.QUEUED, Job.State.RUNNING])
    if any(not job.is_stuck for job in busy):
        raise CertificatesError(_("A ZIP of this project is being prepared already."))
    from certificates.tasks import build_zip

    return job_start(
        kind=ZIP,
        task=build_zip,
        organisation=project.organisation,
        started_by=started_by,
        ref=project,
        task_kwargs={"project_id": project.pk},
        return_url=reverse("certificates:project", kwargs={"org_slug": project.organisation.slug, "pk": project.pk}),
    )


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
