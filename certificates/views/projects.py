"""Organiser pages for projects and individuals."""

import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_countries import countries

from certificates import content, selectors, services
from certificates.forms import (
    BulkForm,
    CertificateDataForm,
    ImportForm,
    IndividualForm,
    ProjectForm,
    partner_formset,
)
from certificates.jobs import RENDER
from certificates.models import Certificate, Individual
from certificates.selectors import (
    get_individual_for_member,
    get_project_for_member,
)
from certificates.snapshot import certificate_is_current
from certificates.views.common import ORGANISER, PAGE_SIZE, individual_redirect, project_redirect
from certificates.views.rows import IndividualRows
from jobs.selectors import latest_job_about
from learnerpass.lib.actions import perform
from learnerpass.lib.csvexport import csv_response
from learnerpass.lib.keyset import keyset_page
from organisations.access import org_member_required
from outbox.selectors import latest_emails_for


@org_member_required(ORGANISER)
def projects(request):
    page = Paginator(selectors.projects_for_org(request.org), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.add_individual_counts(list(page.object_list))
    return render(request, "certificates/projects.html", {"page": page})


@org_member_required(ORGANISER)
def project_create(request):
    form = ProjectForm(request.POST or None)
    partners = partner_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and partners.is_valid():
        project = perform(
            request,
            lambda: services.project_create(
                organisation=request.org, created_by=request.user, partners=partners.partners(), **form.cleaned_data
            ),
            lambda project: _("Project “%(title)s” created.") % {"title": project.title},
        )
        if project is not None:
            return project_redirect(project)
    return render(request, "certificates/project_form.html", {"form": form, "partners": partners})


@org_member_required(ORGANISER)
def project_edit(request, pk):
    project = get_project_for_member(request, pk)
    form = ProjectForm(request.POST or None, instance=project)
    partners = partner_formset(request.POST or None, project)
    if request.method == "POST" and form.is_valid() and partners.is_valid():
        saved = perform(
            request,
            lambda: services.project_update(project=project, partners=partners.partners(), **form.cleaned_data),
            _("Project saved."),
        )
        if saved is not None:
            return project_redirect(project)
    return render(request, "certificates/project_form.html", {"form": form, "partners": partners, "project": project})


@org_member_required(ORGANISER)
def project(request, pk):
    project = get_project_for_member(request, pk)
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in selectors.STATUS_FILTERS:
        status = ""
    page = keyset_page(
        selectors.individuals_for_project(project, query=query, status=status),
        order=selectors.INDIVIDUAL_ORDER,
        request=request,
        per_page=PAGE_SIZE,
        first=None if query or status else lambda: selectors.first_individuals(project.pk),
    )
    individuals = page.object_list
    emails = latest_emails_for(individuals)
    certificates = selectors.current_certificates(individuals)
    for individual in individuals:
        individual.email_status = emails.get(individual.pk)
        individual.certificate = certificates.get(individual.pk)
    rows = IndividualRows(org_slug=request.org.slug, csrf_input=csrf_input(request), next_url=request.get_full_path())
    return render(
        request,
        "certificates/project.html",
        {
            "project": project,
            "page": page,
            "individuals": individuals,
            "rows": rows.render(individuals),
            "query": query,
            "status": status,
            "statuses": selectors.status_filter_choices(),
            "bulk_form": BulkForm(initial={"batch": secrets.token_urlsafe(16)}),
            "query_string": urlencode({k: v for k, v in {"q": query, "status": status}.items() if v}),
            **selectors.certificate_section(project),
            "plan": selectors.generation_plan(project),
        },
    )


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
            return project_redirect(project)
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
            lambda created: (
                ngettext("%(n)s individual imported.", "%(n)s individuals imported.", len(created))
                % {"n": len(created)}
            ),
        )
        if created is None:
            return redirect("certificates:individuals_import", org_slug=request.org.slug, pk=project.pk)
        return project_redirect(project)
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
    outdated = bool(individual.certificate) and not certificate_is_current(individual.certificate, individual)
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
            "outdated": outdated,
            "render_job": latest_job_about(individual, kinds=[RENDER]),
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
        return individual_redirect(individual)
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
        names=False,
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
            return individual_redirect(individual)
    return render(
        request,
        "certificates/individual_edit.html",
        {"individual": individual, "project": individual.project, "details": details, "form": data},
    )


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
        return individual_redirect(individual)
    return project_redirect(individual.project)
