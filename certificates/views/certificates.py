"""Certificates: generating, progress, downloads, revoking and public verification."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from certificates import selectors, services
from certificates.forms import (
    RevokeForm,
    VerifyForm,
)
from certificates.models import Certificate, normalise_code
from certificates.selectors import (
    get_certificate_for_member,
    get_individual_for_member,
    get_project_for_member,
)
from certificates.snapshot import snapshot_words
from certificates.views.common import ORGANISER, individual_redirect, project_redirect
from credentials.views import credential_response, qr_response
from learnerpass.lib import files
from learnerpass.lib.actions import perform
from learnerpass.lib.http import client_ip
from organisations.access import org_member_required


def _generating(certificates: list) -> str:
    return ngettext(
        "%(n)s certificate is being generated.", "%(n)s certificates are being generated.", len(certificates)
    ) % {"n": len(certificates)}


@org_member_required(ORGANISER)
def certificate_progress(request, pk):
    project = get_project_for_member(request, pk)
    return render(
        request, "certificates/_progress.html", {"project": project, **selectors.certificate_section(project)}
    )


@require_POST
@org_member_required(ORGANISER)
def project_generate(request, pk):
    project = get_project_for_member(request, pk)
    perform(
        request,
        lambda: services.certificates_generate_for_project(project=project, generated_by=request.user),
        _generating,
    )
    return project_redirect(project)


@org_member_required(ORGANISER)
def project_replace(request, pk):
    """Replace all: first a page that says how many valid certificates it supersedes, then the POST."""
    project = get_project_for_member(request, pk)
    if request.method == "POST":
        try:
            expected = int(request.POST.get("expected", ""))
        except ValueError:
            expected = None
        done = perform(
            request,
            lambda: services.certificates_replace_for_project(
                project=project, generated_by=request.user, expected=expected
            ),
            _generating,
        )
        if done is None:
            return redirect("certificates:project_replace", org_slug=request.org.slug, pk=project.pk)
        return project_redirect(project)
    plan = selectors.generation_plan(project)
    return render(request, "certificates/project_replace.html", {"project": project, "plan": plan})


@require_POST
@org_member_required(ORGANISER)
def project_zip_prepare(request, pk):
    project = get_project_for_member(request, pk)
    perform(
        request,
        lambda: services.certificates_zip_start(project=project, started_by=request.user),
        _("The ZIP is being prepared; its download appears here when it is ready."),
    )
    return project_redirect(project)


@org_member_required(ORGANISER)
def project_zip(request, pk):
    """The latest ZIP prepared in the background; prepared archives only, never built here."""
    project = get_project_for_member(request, pk)
    job = selectors.latest_zip(project)
    if job is None:
        raise Http404("No ZIP prepared yet.")
    # A name the organiser recognises among their downloads.
    name = slugify(project.title)[:60] or str(project.pk)
    return files.stored_file_response(
        job.result_file, content_type="application/zip", filename=f"certificates-{name}.zip"
    )


@require_POST
@org_member_required(ORGANISER)
def individual_generate(request, pk):
    individual = get_individual_for_member(request, pk)
    perform(
        request,
        lambda: services.certificate_generate(individual=individual, generated_by=request.user),
        lambda certificate: _("Certificate %(code)s is being generated.") % {"code": certificate.code},
    )
    return individual_redirect(individual)


@require_POST
@org_member_required(ORGANISER)
def certificate_revoke(request, pk):
    certificate = get_certificate_for_member(request, pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason: the verification page shows it."))
    else:
        perform(
            request,
            lambda: services.certificate_revoke(
                certificate=certificate, revoked_by=request.user, reason=form.cleaned_data["reason"]
            ),
            _("Certificate %(code)s revoked.") % {"code": certificate.code},
        )
    return individual_redirect(certificate.individual)


def _pdf_response(certificate: Certificate):
    if not certificate.pdf:
        raise Http404("Not rendered yet.")
    return files.stored_file_response(certificate.pdf, content_type="application/pdf", filename=certificate.filename)


@org_member_required(ORGANISER)
def certificate_download(request, pk):
    return _pdf_response(get_certificate_for_member(request, pk))


@login_required
def learner_download(request, code):
    certificate = (
        Certificate.objects.filter(code=normalise_code(code), individual__user=request.user)
        .exclude(status=Certificate.Status.REVOKED)
        .first()
    )
    if certificate is None:
        raise Http404("No such certificate.")
    return _pdf_response(certificate)


def _learners_certificate(user, code: str) -> Certificate:
    certificate = (
        Certificate.objects.filter(code=normalise_code(code), individual__user=user)
        .exclude(status=Certificate.Status.REVOKED)
        .select_related("individual")
        .first()
    )
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


@require_POST
@login_required
def learner_copy_request(request, code):
    """The learner asks for their certificate in another language (same code); a task renders it."""
    certificate = _learners_certificate(request.user, code)
    language = request.POST.get("language", "")
    perform(
        request,
        lambda: services.certificate_copy_request(certificate=certificate, language=language),
        _("Your certificate in %(language)s is being prepared; it appears here in a moment.")
        % {"language": dict(settings.CERTIFICATE_LANGUAGES).get(language, language)},
    )
    return redirect(
        reverse("certificates:learner_edit", kwargs={"public_id": certificate.individual.public_id}) + "#certificates"
    )


@login_required
def learner_copy_download(request, code, language):
    certificate = _learners_certificate(request.user, code)
    copy = certificate.copies.filter(language=language).exclude(pdf="").first()
    if copy is None or certificate.status != Certificate.Status.VALID:
        raise Http404("Not prepared in that language.")
    return files.stored_file_response(copy.pdf, content_type="application/pdf", filename=copy.filename)


VERIFY_LIMIT = 30  # lookups per IP and minute


def _rate_limited(request) -> bool:
    key = f"certificates:verify:{client_ip(request)}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=90)
        count = 1
    return count > VERIFY_LIMIT


def _wants_json(request) -> bool:
    return request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", "")


@require_safe
def credential(request, code):
    """The certificate's Open Badges 3.0 credential (signed), public like the verification page."""
    certificate = (
        Certificate.objects.select_related("individual__project__organisation", "status_list")
        .filter(code=normalise_code(code))
        .first()
    )
    if certificate is None:
        raise Http404("No such certificate.")
    filename = certificate.filename.removesuffix(".pdf") + ".json" if request.GET.get("download") else None
    return credential_response(services.certificate_credential_json(certificate=certificate), filename=filename)


@require_safe
def qr(request, code):
    """A QR code that opens the certificate's public verification page."""
    certificate = Certificate.objects.filter(code=normalise_code(code)).first()
    if certificate is None:
        raise Http404("No such certificate.")
    return qr_response(certificate.verify_url, filename=f"certificate-{certificate.code}-qr.png")


def verify_form(request):
    form = VerifyForm(request.GET or None)
    if form.is_valid():
        return redirect("certificates:verify", code=normalise_code(form.cleaned_data["code"]))
    return render(request, "certificates/verify_form.html", {"form": form})


def verify(request, code):
    as_json = _wants_json(request)
    if _rate_limited(request):
        message = _("Too many lookups. Wait a minute and try again.")
        if as_json:
            return JsonResponse({"error": message}, status=429)
        return render(request, "certificates/verify_form.html", {"form": VerifyForm(), "error": message}, status=429)
    # The page shows the certificate's frozen data only: no need to join the individual, project or organisation.
    certificate = Certificate.objects.filter(code=normalise_code(code)).first()
    if certificate is None:
        if as_json:
            return JsonResponse({"error": "not found"}, status=404)
        return render(
            request,
            "certificates/verify_form.html",
            {"form": VerifyForm(initial={"code": code}), "error": _("Not found.")},
            status=404,
        )
    data = certificate.data
    project = data.get("project", {})
    if as_json:
        return JsonResponse(
            {
                "code": certificate.code,
                "status": certificate.status,
                "valid": certificate.status == Certificate.Status.VALID,
                "holder": data.get("holder", ""),
                "project": project.get("title", ""),
                "activity_type": project.get("activity_type", ""),
                "start_date": project.get("start_date", ""),
                "end_date": project.get("end_date", ""),
                "organisation": data.get("organisation", ""),
                "programme": project.get("programme", ""),
                "grant_number": project.get("grant_number", ""),
                "partners": data.get("partners", []),
                "language": project.get("language", ""),
                "issued_at": certificate.issued_at.isoformat(),
                "revoked_reason": certificate.revoked_reason
                if certificate.status == Certificate.Status.REVOKED
                else "",
                "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
            }
        )
    # The certificate's part of the page speaks the certificate's language, or another certificate language
    # the reader picks (?lang=); the site around it keeps the reader's interface language.
    language = request.GET.get("lang", "")
    if language not in CERTIFICATE_LANGUAGE_CODES:
        language = project.get("language") or settings.LANGUAGE_CODE
    with translation.override(language):
        words = snapshot_words(data, language)
    return render(
        request,
        "certificates/verify.html",
        {
            "certificate": certificate,
            "data": data,
            "project": project,
            "words": words,
            "certificate_language": language,
            "languages": settings.CERTIFICATE_LANGUAGES,
            "start_date": _date(project.get("start_date")),
            "end_date": _date(project.get("end_date")),
        },
    )


CERTIFICATE_LANGUAGE_CODES = {code for code, _name in settings.CERTIFICATE_LANGUAGES}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
