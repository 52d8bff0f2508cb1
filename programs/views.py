from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from jobs.selectors import jobs_started_here, latest_job_about
from learnerpass.lib.actions import perform
from learnerpass.lib.csvexport import csv_response
from learnerpass.lib.filenames import name_download
from learnerpass.lib.keyset import keyset_page
from learnerpass.lib.links import link_visitor, wants_address_added
from organisations.access import org_member_required, redirect_back
from organisations.models import Role
from programs import selectors, services
from programs.access import (
    can_manage,
    get_batch_for_member,
    get_invitation_for_manager,
    get_program_for_admin,
    get_program_for_manager,
    get_run_for_manager,
    manages_all_programs,
    program_manager_required,
)
from programs.forms import (
    EnrolForm,
    GrantForm,
    InviteForm,
    ProgramForm,
    RunForm,
    StartForm,
    UnenrolForm,
    UploadForm,
)
from programs.jobs import CHECK, SEND
from programs.models import Enrolment, ImportBatch, Invitation, Program, ProgramLearnerAdmin, ProgramRun
from programs.spreadsheet import XLSX_CONTENT_TYPE, CodeLine, invitation_template_xlsx

PAGE_SIZE = selectors.PAGE_SIZE
PAGE_JOBS = 10


def _program_redirect(program):
    return redirect("programs:program", org_slug=program.organisation.slug, program_id=program.pk)


# Programs and runs --------------------------------------------------------------------------------


@program_manager_required
def program_list(request):
    programs = selectors.programs_for(request.org, request.program_ids)
    return render(
        request,
        "programs/program_list.html",
        {"programs": programs, "manages_all": manages_all_programs(request.membership)},
    )


@org_member_required(Role.LEARNING_MANAGER)
def program_create(request):
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        program = perform(
            request,
            lambda: services.program_create(organisation=request.org, **form.cleaned_data),
            lambda program: _("Program “%(name)s” created. Add its runs next.") % {"name": program.name},
        )
        if program:
            return _program_redirect(program)
    return render(request, "programs/program_form.html", {"form": form})


@program_manager_required
def program_detail(request, program_id):
    program = get_program_for_manager(request, program_id)
    runs = selectors.runs_with_counts(program)
    admins = selectors.learner_admins(program.pk)
    is_admin = request.membership.role == Role.ADMIN
    return render(
        request,
        "programs/program_detail.html",
        {
            "program": program,
            "runs": runs,
            "admins": admins,
            # The grant form's choices, written out in the template: through the form and crispy
            # they took 2.3 ms of a 10 ms page. GrantForm still validates the POST.
            "grant_choices": selectors.grant_choices(request.org.pk) if is_admin else None,
            "manages_all": request.program_ids is None,
        },
    )


# Changing a program's code or runs belongs to learning managers: codes are in files and links already out.


@org_member_required(Role.LEARNING_MANAGER)
def program_edit(request, program_id):
    program = get_program_for_admin(request, program_id)
    form = ProgramForm(request.POST or None, instance=program)
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(request, lambda: services.program_update(program=program, **form.cleaned_data), _("Program saved."))
    ):
        return _program_redirect(program)
    return render(request, "programs/program_form.html", {"form": form, "program": program})


@org_member_required(Role.LEARNING_MANAGER)
def run_create(request, program_id):
    program = get_program_for_admin(request, program_id)
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = perform(
            request,
            lambda: services.run_create(program=program, **form.cleaned_data),
            lambda run: _("Run %(code)s added.") % {"code": run.code},
        )
        if run:
            return _program_redirect(program)
    return render(request, "programs/run_form.html", {"form": form, "program": program})


@org_member_required(Role.LEARNING_MANAGER)
def run_edit(request, program_id, run_id):
    program = get_program_for_admin(request, program_id)
    run = get_object_or_404(ProgramRun, pk=run_id, program=program)
    run.program = program
    form = RunForm(request.POST or None, instance=run)
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(request, lambda: services.run_update(run=run, **form.cleaned_data), _("Run saved."))
    ):
        return _program_redirect(run.program)
    return render(request, "programs/run_form.html", {"form": form, "program": run.program, "run": run})


@require_POST
@org_member_required(Role.ADMIN)
def learner_admin_grant(request, program_id):
    program = get_program_for_admin(request, program_id)
    form = GrantForm(request.POST, organisation=request.org)
    if form.is_valid():
        user = form.cleaned_data["user"]
        perform(
            request,
            lambda: services.learner_admin_grant(program=program, user=user, granted_by=request.user),
            _("%(email)s now manages this program.") % {"email": user.email},
        )
    else:
        messages.error(request, _("Choose a member of the organisation."))
    return _program_redirect(program)


@require_POST
@org_member_required(Role.ADMIN)
def learner_admin_revoke(request, program_id, role_id):
    program = get_program_for_admin(request, program_id)
    role = get_object_or_404(ProgramLearnerAdmin.objects.select_related("user"), pk=role_id, program=program)
    services.learner_admin_revoke(role=role)
    messages.success(request, _("%(email)s no longer manages this program.") % {"email": role.user.email})
    return _program_redirect(program)


# The entry point: "Invite and enrol learners" ------------------------------------------------------------


def _start(request, program):
    programs = list(selectors.programs_for(request.org, request.program_ids)) if program is None else [program]
    # The form's hidden "step" marks a submission even when nothing was chosen.
    chosen = "step" in request.GET or "action" in request.GET
    form = StartForm(request.GET if chosen else None, programs=programs, fixed=program is not None)
    if form.is_bound and form.is_valid():
        return redirect(form.destination(request.org))
    return render(request, "programs/start.html", {"form": form, "program": program})


@program_manager_required
def start(request):
    return _start(request, None)


@program_manager_required
def program_start(request, program_id):
    return _start(request, get_program_for_manager(request, program_id))


# Per run: enrolled learners and invitations ---------------------------------------------------------


def _list_params(request):
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    status = status if status in selectors.STATUS_FILTERS else ""
    params = {key: value for key, value in (("q", query), ("status", status)) if value}
    return query, status, urlencode(params)


@program_manager_required
def run_enrolled(request, program_id, run_id):
    run = get_run_for_manager(request, program_id, run_id)
    query, _status, query_string = _list_params(request)
    # ?state=unenrolled lists who was taken off the run, with when, by whom and why.
    unenrolled = request.GET.get("state") == "unenrolled"
    if unenrolled:
        query_string = "&".join(part for part in (query_string, "state=unenrolled") if part)
    enrolments = selectors.run_enrolments(run, query=query, unenrolled=unenrolled, listing=True)
    page = keyset_page(enrolments, order=selectors.ENROLMENT_ORDER, request=request, per_page=PAGE_SIZE)
    return render(
        request,
        "programs/run_enrolled.html",
        {
            "run": run,
            "program": run.program,
            "page": page,
            "query": query,
            "query_string": query_string,
            "unenrolled": unenrolled,
        },
    )


@program_manager_required
def enrolment_unenrol(request, program_id, run_id, enrolment_id):
    """GET asks first and says why a reason is needed; POST unenrols."""
    run = get_run_for_manager(request, program_id, run_id)
    enrolment = get_object_or_404(Enrolment.objects.select_related("user"), pk=enrolment_id, run=run)
    form = UnenrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(
            request,
            lambda: services.enrolment_unenrol(
                enrolment=enrolment, user=request.user, reason=form.cleaned_data["reason"]
            ),
            _("%(id)s was unenrolled from %(run)s.") % {"id": enrolment.external_learner_id, "run": run.code},
        )
        if done:
            return redirect("programs:run", org_slug=request.org.slug, program_id=run.program_id, run_id=run.pk)
    return render(
        request,
        "programs/unenrol.html",
        {"run": run, "program": run.program, "enrolment": enrolment, "form": form},
    )


@program_manager_required
def run_invitations(request, program_id, run_id):
    run = get_run_for_manager(request, program_id, run_id)
    query, status, query_string = _list_params(request)
    page = keyset_page(
        selectors.run_invitations(run, query=query, status=status, listing=True),
        order=selectors.INVITATION_ORDER,
        request=request,
        per_page=PAGE_SIZE,
        first=None if query or status else lambda: selectors.first_invitations(run.pk),
    )
    selectors.with_run_codes(page.object_list)
    selectors.with_email_status(page.object_list)
    return render(
        request,
        "programs/run_invitations.html",
        {
            "run": run,
            "program": run.program,
            "page": page,
            "query": query,
            "status": status,
            "statuses": Invitation.Status.choices,
            "query_string": query_string,
        },
    )


@require_POST
@program_manager_required
def run_invitations_cancel(request, program_id, run_id):
    """Cancel the invitations selected on a run's Invitations tab."""
    run = get_run_for_manager(request, program_id, run_id)
    ids = [int(value) for value in request.POST.getlist("invitation") if value.isdigit()]
    result = perform(
        request, lambda: services.invitations_cancel(program=run.program, invitation_ids=ids, user=request.user)
    )
    if result:
        canceled, left = result
        if canceled:
            messages.success(
                request,
                ngettext("%(n)s invitation canceled.", "%(n)s invitations canceled.", canceled)
                % {"n": intcomma(canceled)},
            )
        if left:
            messages.warning(
                request,
                ngettext(
                    "%(n)s selected invitation was no longer pending and was left as it was.",
                    "%(n)s selected invitations were no longer pending and were left as they were.",
                    left,
                )
                % {"n": intcomma(left)},
            )
    return redirect_back(
        request,
        redirect("programs:run_invitations", org_slug=request.org.slug, program_id=run.program_id, run_id=run.pk),
    )


@program_manager_required
def run_enrolled_csv(request, program_id, run_id):
    run = get_run_for_manager(request, program_id, run_id)
    query, _status, _qs = _list_params(request)
    rows = (
        (e.external_learner_id, e.user.email, e.get_source_display(), e.created_at.strftime("%Y-%m-%d %H:%M:%S"))
        for e in selectors.run_enrolments(run, query=query).iterator(chunk_size=2000)
    )
    return csv_response(
        f"{run.program.code}-{run.code}-enrolled.csv",
        ["external_learner_id", "email", "source", "enrolled_at_utc"],
        rows,
    )


@program_manager_required
def run_invitations_csv(request, program_id, run_id):
    run = get_run_for_manager(request, program_id, run_id)
    query, status, _qs = _list_params(request)
    invitations = selectors.run_invitations(run, query=query, status=status)
    rows = (
        (
            inv.external_learner_id,
            inv.email,
            " ".join(item.run.code for item in inv.invitation_runs.all()),
            inv.valid_until.strftime("%Y-%m-%d %H:%M:%S"),
            inv.effective_status,
            inv.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
        for inv in invitations.iterator(chunk_size=2000)
    )
    return csv_response(
        f"{run.program.code}-{run.code}-invitations.csv",
        ["external_learner_id", "email", "runs", "expiry_time_utc", "status", "created_at_utc"],
        rows,
    )


# Invitations ------------------------------------------------------------------------------------------


@program_manager_required
def invite(request, program_id):
    program = get_program_for_manager(request, program_id)
    # "Invite again" from an expired or canceled invitation fills the form in (GET only; nothing is sent).
    initial = {
        "external_learner_id": request.GET.get("external_learner_id", "")[:100],
        "email": request.GET.get("email", "")[:254],
        "runs": [value for value in request.GET.getlist("runs") if value.isdigit()],
    }
    form = InviteForm(request.POST or None, program=program, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invitation = perform(
            request,
            lambda: services.invitation_create(
                program=program,
                runs=list(data["runs"]),
                external_learner_id=data["external_learner_id"],
                email=data["email"],
                valid_until=data["valid_until"],
                created_by=request.user,
            ),
            lambda invitation: _("Invitation sent to %(email)s.") % {"email": invitation.email},
        )
        if invitation:
            return redirect(
                "programs:invitation_detail",
                org_slug=request.org.slug,
                program_id=program.pk,
                invitation_id=invitation.pk,
            )
    return render(request, "programs/invite.html", {"form": form, "program": program})


@program_manager_required
def invitation_detail(request, program_id, invitation_id):
    invitation = get_invitation_for_manager(request, program_id, invitation_id)
    selectors.with_email_status([invitation])
    linked = selectors.linked_account(invitation)
    return render(
        request,
        "programs/invitation_detail.html",
        {
            "invitation": invitation,
            "program": invitation.program,
            "runs": invitation.runs.all(),
            "linked": linked,
        },
    )


def _back_to(request, invitation):
    return redirect_back(
        request,
        redirect(
            "programs:invitation_detail",
            org_slug=request.org.slug,
            program_id=invitation.program_id,
            invitation_id=invitation.pk,
        ),
    )


@require_POST
@program_manager_required
def invitation_resend(request, program_id, invitation_id):
    invitation = get_invitation_for_manager(request, program_id, invitation_id)
    perform(
        request,
        lambda: services.invitation_resend(invitation=invitation, user=request.user),
        _("A fresh link was sent to %(email)s; the old one no longer works.") % {"email": invitation.email},
    )
    return _back_to(request, invitation)


@require_POST
@program_manager_required
def invitation_cancel(request, program_id, invitation_id):
    invitation = get_invitation_for_manager(request, program_id, invitation_id)
    perform(
        request,
        lambda: services.invitation_cancel(invitation=invitation, user=request.user),
        _("The invitation to %(email)s was canceled.") % {"email": invitation.email},
    )
    return _back_to(request, invitation)


@program_manager_required
def enrol(request, program_id):
    program = get_program_for_manager(request, program_id)
    if program.kind != Program.Kind.DEGREE:
        # Direct enrolment is a degree matter; the page says so and points to the invitation instead.
        return render(request, "programs/enrol.html", {"program": program, "form": None})
    form = EnrolForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = perform(
            request,
            lambda: services.enrolment_create_direct(
                program=program,
                runs=list(data["runs"]),
                external_learner_id=data["external_learner_id"],
                created_by=request.user,
            ),
            lambda created: (
                _("Learner %(id)s enrolled on %(runs)s and told by email.")
                % {"id": data["external_learner_id"].strip(), "runs": ", ".join(e.run.code for e in created)}
            ),
        )
        if created:
            return _program_redirect(program)
    return render(request, "programs/enrol.html", {"form": form, "program": program})


def invitation(request, token):
    """The learner's link: GET shows the program and a button; only POST enrols."""
    invitation = Invitation.by_token(token).select_related("organisation", "program").first()
    problem = services.invitation_problem(invitation)
    if problem:
        return render(request, "link_invalid.html", {"problem": problem}, status=410 if invitation else 404)
    context = {"invitation": invitation, "runs": invitation.runs.all(), **link_visitor(request, invitation.email)}
    if not request.user.is_authenticated:
        return render(request, "programs/invitation.html", context)
    if request.method == "POST":
        try:
            services.invitation_accept(token=token, user=request.user, add_address=wants_address_added(request))
        except services.ProgramsError as exc:
            return render(request, "link_invalid.html", {"problem": str(exc)}, status=409)
        messages.success(
            request,
            _("You are enrolled in %(program)s of %(org)s.")
            % {"program": invitation.program.name, "org": invitation.organisation.name},
        )
        return redirect("me")
    return render(request, "programs/invitation.html", context)


# Bulk upload ---------------------------------------------------------------------------------------------


def _upload_response(request, form, do_upload, page):
    """Shared by upload and reupload: the batch page on success, else the problem next to the form.

    Sent by htmx, a problem replaces only the feedback above the form, so the chosen file stays
    chosen: the person fixes it on disk and presses the button again. Without JavaScript the
    whole page comes back with the problem.
    """
    problem = ""
    if form.is_valid():
        try:
            batch = do_upload(form.cleaned_data["file"])
        except services.ProgramsError as exc:
            problem = str(exc)
        else:
            url = reverse("programs:import_batch", kwargs={"org_slug": request.org.slug, "batch_id": batch.pk})
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        problem = " ".join(form.errors.get("file", []))
    file = request.FILES.get("file")
    feedback = {"problem": problem, "file_name": file.name if file else ""}
    if request.htmx:
        return render(request, "programs/_upload_feedback.html", feedback)
    return page(feedback)


@program_manager_required
def import_upload(request):
    program = _context_program(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()

    def page(feedback):
        all_uploads = request.program_ids is None
        recent = selectors.recent_batches(request.org, user=request.user, all_uploads=all_uploads)
        jobs = jobs_started_here(
            request.org, kinds=[CHECK, SEND], started_by=None if all_uploads else request.user, limit=PAGE_JOBS
        )
        context = {"form": form, "recent": recent, "program": program, "jobs": jobs, **feedback}
        return render(request, "programs/import_upload.html", context)

    if request.method != "POST":
        return page({})
    return _upload_response(
        request,
        form,
        lambda file: services.batch_upload(
            organisation=request.org, uploaded_by=request.user, upload=file, program=program
        ),
        page,
    )


def _context_program(request):
    """The program the person came from (?program=<id>), kept through upload and reupload; None if none."""
    value = request.POST.get("program") or request.GET.get("program") or ""
    return get_program_for_manager(request, int(value)) if value.isdigit() else None


def _template_parts(request):
    runs = selectors.invitable_runs(request.org, request.program_ids, first=_context_program(request))
    return runs, services.template_example_row(run=runs[0] if runs else None)


@program_manager_required
def import_template(request):
    _runs, example = _template_parts(request)
    return csv_response(f"{request.org.slug}-invitations-template.csv", services.CSV_COLUMNS, [example])


@program_manager_required
def import_template_xlsx(request):
    runs, example = _template_parts(request)
    codes = [
        CodeLine(
            program_code=run.program.code,
            program_name=run.program.name,
            program_kind=run.program.get_kind_display(),
            run_code=run.code,
            run_name=run.name,
            starts_on=run.starts_on,
            ends_on=run.ends_on,
        )
        for run in runs
    ]
    data = invitation_template_xlsx(columns=services.CSV_COLUMNS, codes=codes, example=example)
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    return name_download(response, f"{request.org.slug}-invitations-template.xlsx")


def _batch_page(request, batch, form, feedback=None):
    context = {
        "batch": batch,
        "form": form,
        "program": batch.program if batch.program and can_manage(request, batch.program) else None,
        "job": latest_job_about(batch),
        **(feedback or {}),
    }
    if batch.status in (ImportBatch.Status.INVALID, ImportBatch.Status.VALID):
        show = request.GET.get("show", "")
        show = show if show in selectors.ROW_FILTERS else ""
        context["show"] = show
        context["query_string"] = urlencode({"show": show}) if show else ""
        context["listing"] = selectors.batch_rows(
            batch, page_number=request.GET.get("page"), per_page=PAGE_SIZE, show=show
        )
    if request.htmx:
        return render(request, "programs/_batch_status.html", context)
    return render(request, "programs/import_batch.html", context)


@program_manager_required
def import_batch(request, batch_id):
    batch = get_batch_for_member(request, batch_id)
    return _batch_page(request, batch, UploadForm())


@require_POST
@program_manager_required
def import_batch_reupload(request, batch_id):
    batch = get_batch_for_member(request, batch_id)
    form = UploadForm(request.POST, request.FILES)
    return _upload_response(
        request,
        form,
        lambda file: services.batch_reupload(batch=batch, uploaded_by=request.user, upload=file),
        lambda feedback: _batch_page(request, batch, form, feedback),
    )


@program_manager_required
def import_batch_errors_csv(request, batch_id):
    batch = get_batch_for_member(request, batch_id)
    return csv_response(
        f"errors-{batch.file_name.rsplit('.', 1)[0]}.csv", ["row", "column", "value", "reason"], batch.errors
    )


@require_POST
@program_manager_required
def import_batch_send(request, batch_id):
    batch = get_batch_for_member(request, batch_id)
    perform(request, lambda: services.batch_send_start(batch=batch, started_by=request.user))
    # No message on success: the batch page shows the job's progress, then "N sent".
    return redirect("programs:import_batch", org_slug=request.org.slug, batch_id=batch.pk)


# Billing -----------------------------------------------------------------------------------------------------


@org_member_required(Role.LEARNING_MANAGER)
def billing(request):
    months = selectors.billing_by_month(request.org)
    totals = {key: sum(m[key] for m in months) for key in ("invitation", "direct", "total")}
    return render(request, "programs/billing.html", {"months": months, "totals": totals})


@org_member_required(Role.LEARNING_MANAGER)
def billing_csv(request):
    rows = (
        (m["month"].strftime("%Y-%m"), m["invitation"], m["direct"], m["total"], m["learners"])
        for m in selectors.billing_by_month(request.org)
    )
    return csv_response(
        f"{request.org.slug}-billing.csv",
        ["month", "enrolments_via_invitation", "direct_enrolments", "total_enrolments", "learners"],
        rows,
    )
