import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_countries import countries

from certificates import content, selectors, services
from certificates.archive import stream_zip
from certificates.forms import (
    CertificateDataForm,
    ImportForm,
    IndividualForm,
    InviteToEditForm,
    ProjectForm,
    RequestChangesForm,
    RevokeForm,
    VerifyForm,
)
from certificates.models import Certificate, Individual, IndividualInvitation, normalise_code
from certificates.selectors import (
    get_certificate_for_member,
    get_individual_for_learner,
    get_individual_for_member,
    get_project_for_member,
)
from learnerpass.lib.actions import perform
from learnerpass.lib.csvexport import csv_response
from learnerpass.lib.http import client_ip
from learnerpass.lib.links import link_visitor
from organisations.access import org_member_required, redirect_back
from organisations.models import Role
from outbox.selectors import latest_emails_for

ORGANISER = Role.ORGANISER
PAGE_SIZE = 25


def _project_redirect(project):
    return redirect("certificates:project", org_slug=project.organisation.slug, pk=project.pk)


def _individual_redirect(individual):
    return redirect("certificates:individual", org_slug=individual.project.organisation.slug, pk=individual.pk)


# Projects ---------------------------------------------------------------------------------------


@org_member_required(ORGANISER)
def projects(request):
    page = Paginator(selectors.projects_for_org(request.org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certificates/projects.html", {"page": page})


@org_member_required(ORGANISER)
def project_create(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = perform(
            request,
            lambda: services.project_create(organisation=request.org, created_by=request.user, **form.cleaned_data),
            lambda project: _("Project “%(title)s” created.") % {"title": project.title},
        )
        if project is not None:
            return _project_redirect(project)
    return render(request, "certificates/project_form.html", {"form": form})


@org_member_required(ORGANISER)
def project_edit(request, pk):
    project = get_project_for_member(request, pk)
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        saved = perform(
            request, lambda: services.project_update(project=project, **form.cleaned_data), _("Project saved.")
        )
        if saved is not None:
            return _project_redirect(project)
    return render(request, "certificates/project_form.html", {"form": form, "project": project})


@org_member_required(ORGANISER)
def project(request, pk):
    project = get_project_for_member(request, pk)
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in Individual.Status.values:
        status = ""
    page = Paginator(selectors.individuals_for_project(project, query=query, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    individuals = list(page.object_list)
    emails = latest_emails_for(individuals)
    certificates = selectors.current_certificates(individuals)
    for individual in individuals:
        individual.email_status = emails.get(individual.pk)
        individual.certificate = certificates.get(individual.pk)
    return render(
        request,
        "certificates/project.html",
        {
            "project": project,
            "page": page,
            "individuals": individuals,
            "query": query,
            "status": status,
            "statuses": Individual.Status.choices,
            "query_string": urlencode({k: v for k, v in {"q": query, "status": status}.items() if v}),
            "progress": selectors.certificate_progress(project),
        },
    )


@org_member_required(ORGANISER)
def certificate_progress(request, pk):
    project = get_project_for_member(request, pk)
    return render(
        request,
        "certificates/_progress.html",
        {"project": project, "progress": selectors.certificate_progress(project)},
    )


@require_POST
@org_member_required(ORGANISER)
def project_generate(request, pk):
    project = get_project_for_member(request, pk)
    perform(
        request,
        lambda: services.certificates_generate_for_project(project=project, generated_by=request.user),
        lambda certificates: _("%(n)s certificates are being generated.") % {"n": len(certificates)},
    )
    return _project_redirect(project)


@org_member_required(ORGANISER)
def project_zip(request, pk):
    """All current PDFs of the project as one ZIP, streamed from the stored files."""
    project = get_project_for_member(request, pk)
    certificates = list(selectors.rendered_certificates(project))
    if not certificates:
        raise Http404("No certificates rendered yet.")

    response = StreamingHttpResponse(stream_zip(certificates), content_type="application/zip")
    # A name the organiser recognises among their downloads; slugify keeps it ASCII and header-safe.
    name = slugify(project.title)[:60] or str(project.pk)
    response["Content-Disposition"] = f'attachment; filename="certificates-{name}.zip"'
    return response


# Individuals ------------------------------------------------------------------------------------


@org_member_required(ORGANISER)
def individual_add(request, pk):
    project = get_project_for_member(request, pk)
    form = IndividualForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        individual = perform(
            request,
            lambda: services.individual_create(project=project, created_by=request.user, **form.cleaned_data),
            lambda individual: _("%(name)s was added.") % {"name": individual.full_name},
        )
        if individual is not None:
            if request.POST.get("another"):
                return redirect("certificates:individual_add", org_slug=request.org.slug, pk=project.pk)
            return _project_redirect(project)
    return render(request, "certificates/individual_add.html", {"project": project, "form": form})


@org_member_required(ORGANISER)
def individuals_import(request, pk):
    """Upload → every row checked → a preview of a clean file → Import creates them all at once."""
    project = get_project_for_member(request, pk)
    session_key = f"certificates_import_{project.pk}"
    if request.method == "POST" and request.POST.get("confirm"):
        checked = request.session.get(session_key) or {}
        if checked.get("id") != request.POST["confirm"]:
            # Another tab checked a newer file since this preview: importing that one would surprise.
            messages.error(
                request,
                _(
                    "Nothing to import: this preview was replaced by a newer upload or already imported. Check the file again."
                )
                if checked
                else _("Nothing to import: upload the file again."),
            )
            return redirect("certificates:individuals_import", org_slug=request.org.slug, pk=project.pk)
        rows = request.session.pop(session_key)["rows"]
        created = perform(
            request,
            lambda: services.individuals_import(project=project, rows=rows, created_by=request.user),
            lambda created: _("%(n)s individuals imported.") % {"n": len(created)},
        )
        if created is None:
            return redirect("certificates:individuals_import", org_slug=request.org.slug, pk=project.pk)
        return _project_redirect(project)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, rows, upload_id = [], [], ""
    if request.method == "POST" and form.is_valid():
        rows, errors = services.individuals_validate(project=project, upload=form.cleaned_data["file"])
        if not errors:
            # The checked rows wait in the session for the organiser's confirmation of this very preview.
            upload_id = secrets.token_urlsafe(12)
            request.session[session_key] = {"id": upload_id, "rows": rows}
        # The errors of the latest check, for the download to fix them in the spreadsheet.
        request.session[f"{session_key}_errors"] = errors
    preview = [
        {**row, "country_name": countries.name(row["country"]), "role_label": Individual.Role(row["role"]).label}
        for row in rows
    ]
    return render(
        request,
        "certificates/import.html",
        {"project": project, "form": form, "errors": errors, "preview": preview, "upload_id": upload_id},
    )


@org_member_required(ORGANISER)
def individuals_import_template(request, pk):
    project = get_project_for_member(request, pk)
    return csv_response(f"individuals-{project.pk}-template.csv", services.IMPORT_COLUMNS, services.IMPORT_EXAMPLE_ROWS)


@org_member_required(ORGANISER)
def individuals_import_errors(request, pk):
    """The errors of the file checked last, as CSV (row, column, value, problem)."""
    project = get_project_for_member(request, pk)
    errors = request.session.get(f"certificates_import_{project.pk}_errors") or []
    return csv_response(
        f"individuals-{project.pk}-errors.csv",
        ["row", "column", "value", "problem"],
        ([e["row"] or "", e["column"] or "", e.get("value", ""), e["message"]] for e in errors),
    )


@org_member_required(ORGANISER)
def individual(request, pk):
    individual = get_individual_for_member(request, pk)
    entries = list(individual.audit_entries.select_related("actor"))
    certificates = list(individual.certificates.all())
    # The actions partial offers "Regenerate" rather than "Generate" when a current certificate exists.
    individual.certificate = next((c for c in certificates if c.status == Certificate.Status.VALID), None)
    return render(
        request,
        "certificates/individual.html",
        {
            "individual": individual,
            "project": individual.project,
            # The organiser sees what was accepted, never the learner's draft.
            "groups": selectors.data_groups(individual.accepted_data, individual.parts),
            "entries": entries,
            "certificates": certificates,
            "rendering": any(
                c.status == Certificate.Status.VALID and not c.pdf and not c.render_error for c in certificates
            ),
        },
    )


@org_member_required(ORGANISER)
def individual_edit(request, pk):
    individual = get_individual_for_member(request, pk)
    if individual.held_by_learner or individual.status == Individual.Status.SUBMITTED:
        messages.error(
            request,
            _("The learner holds this data now.") if individual.held_by_learner else _("Review the submission first."),
        )
        return _individual_redirect(individual)
    details = IndividualForm(
        request.POST or None,
        initial={
            "first_name": individual.first_name,
            "surname": individual.surname,
            "email": individual.email,
            "country": individual.country.code,
            "role": individual.role,
        },
    )
    data = CertificateDataForm(
        request.POST or None,
        prefix="data",
        parts=individual.parts,
        initial=content.clean_data(individual.accepted_data),
    )
    if request.method == "POST" and details.is_valid() and data.is_valid():
        saved = perform(
            request,
            lambda: services.individual_update(
                individual=individual, updated_by=request.user, details=details.cleaned_data, data=data.data_dict()
            ),
            _("Saved."),
        )
        if saved is not None:
            return _individual_redirect(individual)
    return render(
        request,
        "certificates/individual_edit.html",
        {"individual": individual, "project": individual.project, "details": details, "form": data},
    )


@require_POST
@org_member_required(ORGANISER)
def individual_connect(request, pk):
    individual = get_individual_for_member(request, pk)
    perform(
        request,
        lambda: services.individual_send_connect(individual=individual, sent_by=request.user),
        _("Connect invitation sent to %(email)s.") % {"email": individual.email},
    )
    return redirect_back(request, _individual_redirect(individual))


@require_POST
@org_member_required(ORGANISER)
def individual_disconnect(request, pk):
    individual = get_individual_for_member(request, pk)
    perform(
        request,
        lambda: services.individual_disconnect(individual=individual, disconnected_by=request.user),
        _("The account was disconnected. Check the email address, then send a new connect invitation."),
    )
    return _individual_redirect(individual)


@require_POST
@org_member_required(ORGANISER)
def individual_delete(request, pk):
    individual = get_individual_for_member(request, pk)
    deleted = perform(
        request,
        lambda: services.individual_delete(individual=individual, deleted_by=request.user),
        _("%(name)s was deleted from the project.") % {"name": individual.full_name},
    )
    if deleted is None:
        return _individual_redirect(individual)
    return _project_redirect(individual.project)


@require_POST
@org_member_required(ORGANISER)
def individual_invite(request, pk):
    individual = get_individual_for_member(request, pk)
    form = InviteToEditForm(request.POST)
    if form.is_valid():
        perform(
            request,
            lambda: services.individual_invite_to_edit(
                individual=individual, invited_by=request.user, message=form.cleaned_data["message"]
            ),
            _("Invitation to edit sent to %(email)s.") % {"email": individual.email},
        )
    else:
        messages.error(request, _("The message is too long."))
    return redirect_back(request, _individual_redirect(individual))


def _render_review(request, individual, *, typed: dict | None = None, status: int = 200):
    typed = typed or {}
    rows = selectors.review_rows(individual) if individual.status == Individual.Status.SUBMITTED else []
    for row in rows:
        row["typed"] = typed.get("fields", {}).get(row["field"].key, "")
    return render(
        request,
        "certificates/review.html",
        {
            "individual": individual,
            "project": individual.project,
            "rows": rows,
            "any_changed": any(row["changed"] for row in rows),
            "typed_comment": typed.get("general", ""),
            "form": RequestChangesForm(),
        },
        status=status,
    )


@org_member_required(ORGANISER)
def review(request, pk):
    return _render_review(request, get_individual_for_member(request, pk))


@require_POST
@org_member_required(ORGANISER)
def accept(request, pk):
    individual = get_individual_for_member(request, pk)
    # Accept sits in the same form as the comments: pressing it after typing some must not throw them away.
    typed = {
        "general": request.POST.get("comment", "").strip(),
        "fields": {k: v for k, v in RequestChangesForm().field_comments(request.POST).items() if v.strip()},
    }
    if individual.status == Individual.Status.SUBMITTED and (typed["general"] or typed["fields"]):
        messages.error(
            request,
            _("You wrote comments for the learner. Send them with Request changes, or clear them to accept."),
        )
        return _render_review(request, individual, typed=typed, status=400)
    perform(
        request,
        lambda: services.individual_accept(individual=individual, accepted_by=request.user),
        _("Accepted. You can generate the certificate now."),
    )
    return _individual_redirect(individual)


@require_POST
@org_member_required(ORGANISER)
def request_changes(request, pk):
    individual = get_individual_for_member(request, pk)
    form = RequestChangesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The comment is too long."))
        return redirect("certificates:review", org_slug=request.org.slug, pk=individual.pk)
    requested = perform(
        request,
        lambda: services.individual_request_changes(
            individual=individual,
            requested_by=request.user,
            comment=form.cleaned_data["comment"],
            field_comments=form.field_comments(request.POST),
        ),
        _("Changes requested; %(name)s was told by email.") % {"name": individual.full_name},
    )
    if requested is None:
        return redirect("certificates:review", org_slug=request.org.slug, pk=individual.pk)
    return _individual_redirect(individual)


@require_POST
@org_member_required(ORGANISER)
def individual_generate(request, pk):
    individual = get_individual_for_member(request, pk)
    perform(
        request,
        lambda: services.certificate_generate(individual=individual, generated_by=request.user),
        lambda certificate: _("Certificate %(code)s is being generated.") % {"code": certificate.code},
    )
    return _individual_redirect(individual)


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
    return _individual_redirect(certificate.individual)


def _pdf_response(certificate: Certificate):
    if not certificate.pdf:
        raise Http404("Not rendered yet.")
    return FileResponse(
        certificate.pdf.open("rb"), as_attachment=True, filename=certificate.filename, content_type="application/pdf"
    )


@org_member_required(ORGANISER)
def certificate_download(request, pk):
    return _pdf_response(get_certificate_for_member(request, pk))


# Learner ----------------------------------------------------------------------------------------


def _link(request, token: str, kind: str):
    """GET shows what the link is for and a button; POST connects (after sign-in or sign-up)."""
    invitation = (
        IndividualInvitation.by_token(token)
        .filter(kind=kind)
        .select_related("individual__project__organisation")
        .first()
    )
    problem = services.invitation_problem(invitation, request.user if request.user.is_authenticated else None)
    if problem and invitation and request.user.is_authenticated and invitation.individual.user_id == request.user.pk:
        # The learner is connected already: an old or used link still leads them to their page.
        if kind == IndividualInvitation.Kind.EDIT:
            return redirect("certificates:learner_edit", public_id=invitation.individual.public_id)
        return redirect("me")
    if problem:
        return render(request, "link_invalid.html", {"problem": problem}, status=410 if invitation else 404)
    individual = invitation.individual
    context = {
        "invitation": invitation,
        "individual": individual,
        "project": individual.project,
        **link_visitor(request, individual.email),
    }
    if not request.user.is_authenticated:
        return render(request, "certificates/link.html", context)
    if request.method == "POST":
        individual = perform(request, lambda: services.invitation_use(token=token, user=request.user))
        if individual is None:
            return redirect("me")
        if kind == IndividualInvitation.Kind.EDIT:
            return redirect("certificates:learner_edit", public_id=individual.public_id)
        messages.success(request, _("Your account is connected to %(project)s.") % {"project": individual.project})
        return redirect("me")
    return render(request, "certificates/link.html", context)


def connect(request, token):
    return _link(request, token, IndividualInvitation.Kind.CONNECT)


def edit_link(request, token):
    return _link(request, token, IndividualInvitation.Kind.EDIT)


def _learner_form(individual, data=None):
    return CertificateDataForm(
        data,
        parts=individual.parts,
        strict=False,
        comments=(individual.review_comments or {}).get("fields", {})
        if individual.status in Individual.HELD_BY_LEARNER
        else {},
        initial=content.clean_data(individual.draft_data),
    )


def _render_edit(request, individual, form, status=200):
    certificates = [c for c in individual.certificates.all() if c.status == Certificate.Status.VALID]
    return render(
        request,
        "certificates/learner_edit.html",
        {
            "individual": individual,
            "project": individual.project,
            "form": form,
            "editable": individual.status in Individual.HELD_BY_LEARNER,
            "general_comment": (individual.review_comments or {}).get("general", ""),
            "groups": selectors.data_groups(
                individual.submitted_data
                if individual.status == Individual.Status.SUBMITTED
                else individual.accepted_data,
                individual.parts,
            ),
            "certificates": certificates,
        },
        status=status,
    )


@login_required
def learner_edit(request, public_id):
    individual = get_individual_for_learner(request.user, public_id)
    return _render_edit(request, individual, _learner_form(individual))


def _saved_status(request, text: str, *, ok: bool):
    return render(request, "certificates/_autosave.html", {"text": text, "ok": ok})


@require_POST
def learner_save(request, public_id):
    if not request.user.is_authenticated:
        if request.htmx:
            # A redirect to the sign-in page would land inside the status line; say what happened instead.
            return _saved_status(
                request, _("Not saved: you were signed out. Copy your text, sign in and paste it again."), ok=False
            )
        return redirect_to_login(request.get_full_path())
    individual = get_individual_for_learner(request.user, public_id)
    form = _learner_form(individual, request.POST)
    if not form.is_valid():
        if request.htmx:
            return _saved_status(request, _("Not saved: fix the fields marked in red, then save."), ok=False)
        return _render_edit(request, individual, form, status=400)
    try:
        individual = services.individual_save_draft(individual=individual, user=request.user, data=form.data_dict())
    except services.CertificatesError as exc:
        if request.htmx:
            return _saved_status(request, str(exc), ok=False)
        messages.error(request, str(exc))
        return redirect("certificates:learner_edit", public_id=public_id)
    text = _("Saved at %(time)s UTC") % {"time": individual.draft_saved_at.strftime("%H:%M:%S")}
    if request.htmx:
        return _saved_status(request, text, ok=True)
    messages.success(request, _("Draft saved."))
    return redirect("certificates:learner_edit", public_id=public_id)


@require_POST
@login_required
def learner_submit(request, public_id):
    individual = get_individual_for_learner(request.user, public_id)
    form = _learner_form(individual, request.POST)
    if not form.check_complete():
        messages.error(request, _("Some things are missing before you can submit; see the marked fields."))
        return _render_edit(request, individual, form, status=400)
    perform(
        request,
        lambda: services.individual_submit(individual=individual, user=request.user, data=form.data_dict()),
        _("Submitted. The organisers will review it; you get an email when they have."),
    )
    return redirect("certificates:learner_edit", public_id=public_id)


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


# Public verification ------------------------------------------------------------------------------

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
                "issued_at": certificate.issued_at.isoformat(),
                "revoked_reason": certificate.revoked_reason
                if certificate.status == Certificate.Status.REVOKED
                else "",
                "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
            }
        )
    return render(request, "certificates/verify.html", {"certificate": certificate, "data": data, "project": project})
