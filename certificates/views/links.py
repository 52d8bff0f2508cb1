"""Connect and edit links: the organiser sends them, the learner uses them."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates import services
from certificates.forms import (
    BulkForm,
    InviteToEditForm,
)
from certificates.models import IndividualInvitation
from certificates.selectors import (
    get_individual_for_member,
    get_project_for_member,
)
from certificates.views.common import ORGANISER, form_errors, individual_redirect, project_redirect
from learnerpass.lib.actions import perform
from learnerpass.lib.links import link_visitor, wants_address_added
from organisations.access import org_member_required, redirect_back


@require_POST
@org_member_required(ORGANISER)
def individual_connect(request, pk):
    individual = get_individual_for_member(request, pk)
    perform(
        request,
        lambda: services.individual_send_connect(individual=individual, sent_by=request.user),
        _("Connect invitation sent to %(email)s.") % {"email": individual.email},
    )
    return redirect_back(request, individual_redirect(individual))


@require_POST
@org_member_required(ORGANISER)
def individual_disconnect(request, pk):
    individual = get_individual_for_member(request, pk)
    perform(
        request,
        lambda: services.individual_disconnect(individual=individual, disconnected_by=request.user),
        _("The account was disconnected. Check the email address, then send a new connect invitation."),
    )
    return individual_redirect(individual)


@require_POST
@org_member_required(ORGANISER)
def individual_invite(request, pk):
    individual = get_individual_for_member(request, pk)
    form = InviteToEditForm(request.POST)
    if form.is_valid():
        perform(
            request,
            lambda: services.individual_invite_to_edit(
                individual=individual,
                invited_by=request.user,
                message=form.cleaned_data["message"],
                deadline=form.cleaned_data["deadline"],
            ),
            _("Invitation to edit sent to %(email)s.") % {"email": individual.email},
        )
    else:
        form_errors(request, form)
    return redirect_back(request, individual_redirect(individual))


@require_POST
@org_member_required(ORGANISER)
def individual_remind(request, pk):
    individual = get_individual_for_member(request, pk)
    perform(
        request,
        lambda: services.individual_remind(individual=individual, reminded_by=request.user),
        _("Reminder sent to %(email)s.") % {"email": individual.email},
    )
    return redirect_back(request, individual_redirect(individual))


@require_POST
@org_member_required(ORGANISER)
def individuals_bulk(request, pk):
    """Connect, invite to edit or remind many: a recorded job; its page shows progress and the summary."""
    project = get_project_for_member(request, pk)
    form = BulkForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return project_redirect(project)
    job = perform(
        request,
        lambda: services.individuals_bulk_start(
            project=project,
            action=form.cleaned_data["action"],
            scope=form.cleaned_data["scope"],
            ids=form.selected_ids(),
            message=form.cleaned_data["message"],
            deadline=form.cleaned_data["deadline"],
            started_by=request.user,
            batch=form.cleaned_data["batch"],
        ),
    )
    if job is None:
        return project_redirect(project)
    return redirect("jobs:detail", org_slug=request.org.slug, public_id=job.public_id)


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
        individual = perform(
            request,
            lambda: services.invitation_use(token=token, user=request.user, add_address=wants_address_added(request)),
        )
        if individual is None:
            return redirect(request.path)
        if kind == IndividualInvitation.Kind.EDIT:
            return redirect("certificates:learner_edit", public_id=individual.public_id)
        messages.success(request, _("Your account is connected to %(project)s.") % {"project": individual.project})
        return redirect("me")
    return render(request, "certificates/link.html", context)


def connect(request, token):
    return _link(request, token, IndividualInvitation.Kind.CONNECT)


def edit_link(request, token):
    return _link(request, token, IndividualInvitation.Kind.EDIT)
