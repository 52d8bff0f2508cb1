from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learnerpass.lib.actions import perform
from learnerpass.lib.links import link_visitor, wants_address_added
from organisations import services
from organisations.access import org_member_required
from organisations.forms import MemberInviteForm, OrganisationForm, OrganisationProfileForm, RoleForm
from organisations.models import MemberInvitation, Membership, Role
from organisations.sections import sections_for
from outbox.selectors import latest_emails_for


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = services.organisation_create(user=request.user, **form.cleaned_data)
        messages.success(request, _("Organisation “%(name)s” created. You are its admin.") % {"name": org.name})
        return redirect(org)
    return render(request, "organisations/create.html", {"form": form})


@org_member_required()
def home(request):
    membership = request.membership
    sections = [
        {
            "section": s,
            "url": s.url(request.org),
            "figures": s.figures(membership),
            "actions": s.actions_for(membership),
        }
        for s in sections_for(membership)
    ]
    return render(request, "organisations/home.html", {"sections": sections})


@org_member_required(Role.ADMIN)
def settings_view(request):
    form = OrganisationProfileForm(request.POST or None, request.FILES or None, instance=request.org)
    if request.method == "POST" and form.is_valid():
        saved = perform(
            request,
            lambda: services.organisation_update(organisation=request.org, data=form.cleaned_data),
            _("Organisation profile saved."),
        )
        if saved is not None:
            return redirect("organisations:settings", org_slug=request.org.slug)
    return render(request, "organisations/settings.html", {"form": form})


@org_member_required(Role.ADMIN)
def members(request):
    memberships = list(
        Membership.objects.filter(organisation=request.org).select_related("user").order_by("user__email")
    )
    invitations = list(
        MemberInvitation.objects.filter(
            organisation=request.org, status=MemberInvitation.Status.PENDING
        ).select_related("invited_by")
    )
    emails = latest_emails_for(invitations)
    for invitation in invitations:
        invitation.email_status = emails.get(invitation.pk)
    admins = sum(1 for m in memberships if m.role == Role.ADMIN)
    return render(
        request,
        "organisations/members.html",
        {
            "memberships": memberships,
            "invitations": invitations,
            "invite_form": MemberInviteForm(),
            "roles": Role.choices,
            "admin_count": admins,
        },
    )


@require_POST
@org_member_required(Role.ADMIN)
def member_invite(request):
    form = MemberInviteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        perform(
            request,
            lambda: services.member_invite(
                organisation=request.org, email=data["email"], role=data["role"], invited_by=request.user
            ),
            _("Invitation sent to %(email)s.") % {"email": data["email"]},
        )
    else:
        messages.error(request, _("Enter a valid email address and a role."))
    return redirect("organisations:members", org_slug=request.org.slug)


def _membership(request, pk):
    return get_object_or_404(Membership, pk=pk, organisation=request.org)


def _invitation(request, pk):
    return get_object_or_404(MemberInvitation, pk=pk, organisation=request.org)


@require_POST
@org_member_required(Role.ADMIN)
def member_role(request, pk):
    membership = _membership(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
    else:
        perform(
            request,
            lambda: services.membership_change_role(membership=membership, role=form.cleaned_data["role"]),
            _("Role of %(email)s changed.") % {"email": membership.user.email},
        )
    return redirect("organisations:members", org_slug=request.org.slug)


@require_POST
@org_member_required(Role.ADMIN)
def member_remove(request, pk):
    membership = _membership(request, pk)
    perform(
        request,
        lambda: services.membership_remove(membership=membership),
        _("%(email)s was removed.") % {"email": membership.user.email},
    )
    return redirect("organisations:members", org_slug=request.org.slug)


@require_POST
@org_member_required(Role.ADMIN)
def invitation_resend(request, pk):
    invitation = _invitation(request, pk)
    perform(
        request,
        lambda: services.member_invitation_resend(invitation=invitation),
        _("A fresh link was sent to %(email)s.") % {"email": invitation.email},
    )
    return redirect("organisations:members", org_slug=request.org.slug)


@require_POST
@org_member_required(Role.ADMIN)
def invitation_cancel(request, pk):
    invitation = _invitation(request, pk)
    perform(
        request,
        lambda: services.member_invitation_cancel(invitation=invitation),
        _("The invitation to %(email)s was canceled.") % {"email": invitation.email},
    )
    return redirect("organisations:members", org_slug=request.org.slug)


def invitation(request, token):
    """The link from the email: GET shows what it is and a button; only POST joins."""
    invitation = MemberInvitation.by_token(token).select_related("organisation").first()
    problem = services.member_invitation_problem(invitation)
    if problem:
        return render(request, "link_invalid.html", {"problem": problem}, status=410 if invitation else 404)
    context = {"invitation": invitation, **link_visitor(request, invitation.email)}
    if not request.user.is_authenticated:
        return render(request, "organisations/invitation.html", context)
    if request.method == "POST":
        try:
            membership = services.member_invitation_accept(
                token=token, user=request.user, add_address=wants_address_added(request)
            )
        except services.OrganisationsError as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organisation.name})
        return redirect(membership.organisation)
    return render(request, "organisations/invitation.html", context)
