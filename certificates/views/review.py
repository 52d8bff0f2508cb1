"""The learner's data: the learner's form, and the organiser's review."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from certificates import content, selectors, services
from certificates.forms import (
    CertificateDataForm,
    RequestChangesForm,
)
from certificates.models import Certificate, Individual
from certificates.selectors import (
    get_individual_for_learner,
    get_individual_for_member,
)
from certificates.views.common import ORGANISER, individual_redirect
from learnerpass.lib.actions import perform
from organisations.access import org_member_required


def _render_review(request, individual, *, typed: dict | None = None, status: int = 200):
    typed = typed or {}
    against = selectors.review_against(individual, request.GET.get("against", ""))
    rows = selectors.review_rows(individual, against) if individual.status == Individual.Status.SUBMITTED else []
    for row in rows:
        row["typed"] = typed.get("fields", {}).get(row["field"].key, "")
    return render(
        request,
        "certificates/review.html",
        {
            "individual": individual,
            "project": individual.project,
            "rows": rows,
            "against": against,
            "has_previous": bool(individual.previous_submitted_data),
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
    return individual_redirect(individual)


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
    return individual_redirect(individual)


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


def _error_summary(form) -> list[dict]:
    """The form's problems in the order of the page, each with the id of its field to link to."""
    if not form.is_bound:
        return []
    return [
        {"id": form[name].auto_id, "label": form.fields[name].label, "message": message}
        for name in form.fields
        for message in form.errors.get(name, [])
    ]


def _render_edit(request, individual, form, status=200):
    certificates = list(
        individual.certificates.filter(status=Certificate.Status.VALID).prefetch_related("copies").order_by("-id")
    )
    project_language = individual.project.language
    for certificate in certificates:
        made = {copy.language for copy in certificate.copies.all()}
        # The languages the learner can still ask for: not the project's, not one asked for already.
        certificate.other_languages = [
            (code, name)
            for code, name in settings.CERTIFICATE_LANGUAGES
            if code != project_language and code not in made
        ]
    return render(
        request,
        "certificates/learner_edit.html",
        {
            "individual": individual,
            "project": individual.project,
            "form": form,
            "error_summary": _error_summary(form),
            "editable": individual.status in Individual.HELD_BY_LEARNER,
            "general_comment": (individual.review_comments or {}).get("general", ""),
            "groups": selectors.data_groups(
                individual.submitted_data
                if individual.status == Individual.Status.SUBMITTED
                else individual.accepted_data,
                individual.parts,
            ),
            "certificates": certificates,
            "preparing": any(not copy.pdf and not copy.render_error for c in certificates for copy in c.copies.all()),
        },
        status=status,
    )


@never_cache
@login_required
def learner_edit(request, public_id):
    # never_cache: after Submit, Back must not bring the editable form back from the browser's cache.
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


def _incomplete(request, individual, form):
    messages.error(request, _("Some things are missing before you can submit; see the list at the top."))
    return _render_edit(request, individual, form, status=400)


@never_cache
@login_required
def learner_submit(request, public_id):
    """Submit in two steps: the form is checked and saved as the draft, then a confirmation submits that draft.

    Checking first means the learner hears what is missing before being asked to confirm; the
    confirmation shows no editable form, so what is submitted is exactly the saved draft.
    """
    individual = get_individual_for_learner(request.user, public_id)
    edit = redirect("certificates:learner_edit", public_id=public_id)
    if individual.status not in Individual.HELD_BY_LEARNER:
        if request.method == "POST":
            messages.error(request, _("This data is not open for editing: it was submitted or the organisers hold it."))
        return edit
    if request.method == "POST" and "confirm" not in request.POST:
        form = _learner_form(individual, request.POST)
        if not form.check_complete():
            return _incomplete(request, individual, form)
        saved = perform(
            request,
            lambda: services.individual_save_draft(individual=individual, user=request.user, data=form.data_dict()),
        )
        if saved is None:
            return edit
        return redirect("certificates:learner_submit", public_id=public_id)
    draft = _learner_form(individual, content.clean_data(individual.draft_data))
    if not draft.check_complete():
        if request.method == "GET":
            return edit
        return _incomplete(request, individual, draft)
    if request.method == "POST":
        perform(
            request,
            lambda: services.individual_submit(individual=individual, user=request.user, data=draft.data_dict()),
            _("Submitted. The organisers will review it; you get an email when they have."),
        )
        return edit
    return render(
        request,
        "certificates/learner_submit.html",
        {
            "individual": individual,
            "project": individual.project,
            "groups": selectors.data_groups(individual.draft_data, individual.parts),
        },
    )
