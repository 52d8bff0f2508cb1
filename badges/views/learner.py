"""Learners: claiming by link or email, quests and evidence, peer reviews, their badges."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from badges import selectors, services
from badges.forms import (
    EvidenceForm,
    HolderNameForm,
)
from badges.models import (
    Assertion,
    AssertionClaim,
    BadgeLink,
    EvidenceSubmission,
    Quest,
    Task,
)
from badges.receivers import remember_in_session
from badges.views.common import PAGE_SIZE, review_submission
from learnerpass.lib import files
from learnerpass.lib.actions import perform
from learnerpass.lib.links import link_visitor, wants_address_added
from organisations.models import Membership

# --- learners -------------------------------------------------------------------------------------------------------


def claim(request, code):
    """The badge's link or QR code: GET shows the badge and a button; only POST claims."""
    link = (
        BadgeLink.objects.select_related("badge__organisation", "badge__activity", "badge__playlist")
        .filter(code=code)
        .first()
    )
    holder = (
        link is not None
        and request.user.is_authenticated
        and Assertion.objects.filter(badge_id=link.badge_id, recipient=request.user, revoked_at__isnull=True).exists()
    )
    # A holder coming back to a used-up link still reaches their badge.
    problem = services.link_problem(link, check_limit=not holder)
    if problem:
        return render(request, "link_invalid.html", {"problem": problem}, status=410 if link else 404)
    badge = link.badge
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        result = perform(request, lambda: services.badge_link_claim(code=code, user=request.user))
        if result is None:
            return redirect("badges:claim", code=code)
        if result.assertion is not None:
            if result.created:
                messages.success(request, _("The badge “%(badge)s” is yours.") % {"badge": badge.name})
            else:
                messages.info(request, _("You already hold this badge."))
            return redirect(result.assertion)
        messages.success(request, _("You started this badge. Complete its tasks to earn it."))
        return redirect("badges:quest", public_id=badge.public_id)
    auth_query = urlencode({"next": request.path})
    if not request.user.is_authenticated:
        remember_in_session(request, code)
    tasks = list(badge.tasks.all())
    return render(request, "badges/claim.html", {"badge": badge, "tasks": tasks, "auth_query": auth_query})


def accept(request, token):
    """The emailed link: attaches a badge issued to an address to the signed-in account (POST only)."""
    claim_row = AssertionClaim.by_token(token).select_related("assertion__badge__organisation").first()
    problem = services.claim_problem(claim_row)
    if problem:
        return render(request, "link_invalid.html", {"problem": problem}, status=410 if claim_row else 404)
    assertion_row = claim_row.assertion
    if request.method == "POST" and request.user.is_authenticated:
        accepted = perform(
            request,
            lambda: services.assertion_claim_accept(
                token=token, user=request.user, add_address=wants_address_added(request)
            ),
            _("The badge “%(badge)s” is now in your account.") % {"badge": assertion_row.badge.name},
        )
        return redirect("me") if accepted else redirect(request.path)
    context = {"assertion": assertion_row, **link_visitor(request, assertion_row.recipient_email)}
    return render(request, "badges/accept.html", context)


def _quest_for_learner(request, public_id) -> Quest:
    return get_object_or_404(
        Quest.objects.select_related("badge__organisation"), badge__public_id=public_id, learner=request.user
    )


@login_required
def quest(request, public_id):
    quest_row = _quest_for_learner(request, public_id)
    badge = quest_row.badge
    submissions = {s.task_id: s for s in EvidenceSubmission.objects.filter(task__badge=badge, learner=request.user)}
    rows = []
    for task in badge.tasks.all():
        submission = submissions.get(task.pk)
        can_submit = task.requires_evidence and (submission is None or submission.status == "rejected")
        rows.append({"task": task, "submission": submission, "form": EvidenceForm(task=task) if can_submit else None})
    held = Assertion.objects.filter(badge=badge, recipient=request.user, revoked_at__isnull=True).first()
    return render(request, "badges/quest.html", {"quest": quest_row, "badge": badge, "rows": rows, "held": held})


@require_POST
@login_required
def evidence_submit(request, public_id, task_pk):
    quest_row = _quest_for_learner(request, public_id)
    task = get_object_or_404(Task, pk=task_pk, badge=quest_row.badge)
    form = EvidenceForm(request.POST, request.FILES, task=task)
    if form.is_valid():
        perform(
            request,
            lambda: services.evidence_submit(
                task=task,
                learner=request.user,
                text=form.cleaned_data.get("text", ""),
                url=form.cleaned_data.get("url", ""),
                file=form.cleaned_data.get("file"),
            ),
            lambda submission: (
                _("Evidence submitted and approved.")
                if submission.status == EvidenceSubmission.Status.APPROVED
                else _("Evidence submitted. We will email you when it is reviewed; its status is shown here too.")
            ),
        )
    else:
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("Your evidence was not submitted: %(errors)s") % {"errors": errors})
    held = Assertion.objects.filter(badge=quest_row.badge, recipient=request.user, revoked_at__isnull=True).first()
    if held is not None:
        messages.success(request, _("All tasks are approved: the badge is yours."))
        return redirect(held)
    return redirect("badges:quest", public_id=public_id)


@login_required
def reviews(request):
    page = Paginator(selectors.peer_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "badges/reviews.html", {"page": page})


@require_POST
@login_required
def peer_review(request, public_id):
    submission = get_object_or_404(EvidenceSubmission, public_id=public_id)
    review_submission(request, submission, as_organiser=False)
    return redirect("badges:reviews")


def _may_download_evidence(user, submission: EvidenceSubmission) -> bool:
    """The learner, the organisation's members and, for a peer-reviewed task, its peers; anyone once the
    holder shows their evidence publicly."""
    badge = submission.task.badge
    if user.is_authenticated:
        if submission.learner_id == user.pk:
            return True
        if Membership.objects.filter(organisation_id=badge.organisation_id, user=user).exists():
            return True
        if submission.task.approval == Task.Approval.PEER and services.is_peer(user=user, badge_id=badge.pk):
            return True
    return Assertion.objects.filter(
        badge=badge, recipient_id=submission.learner_id, revoked_at__isnull=True, show_evidence=True
    ).exists()


def evidence_file(request, public_id):
    submission = get_object_or_404(
        EvidenceSubmission.objects.select_related("task__badge"), public_id=public_id, file__gt=""
    )
    if not _may_download_evidence(request.user, submission):
        # Private: whoever may not have it learns nothing, not even that it exists.
        raise Http404("No such file.")
    # Always a download, never shown inline: evidence is whatever a learner uploaded.
    return files.stored_file_response(
        submission.file, content_type="application/octet-stream", filename=submission.file_name or "evidence"
    )


@require_POST
@login_required
def name_visibility(request, public_id):
    found = get_object_or_404(Assertion, public_id=public_id, recipient=request.user)
    form = HolderNameForm(request.POST)
    if form.is_valid():
        show = form.cleaned_data["show"]
        perform(
            request,
            lambda: services.assertion_set_name(
                assertion=found, user=request.user, show=show, name=form.cleaned_data["name"]
            ),
            _("Your name is now shown on this page.") if show else _("Your name is no longer shown on this page."),
        )
    else:
        messages.error(request, _("The name can have at most 200 characters."))
    return redirect(found)


@require_POST
@login_required
def evidence_visibility(request, public_id):
    found = get_object_or_404(Assertion, public_id=public_id, recipient=request.user)
    show = request.POST.get("show") == "1"
    services.assertion_set_evidence_visibility(assertion=found, user=request.user, show=show)
    messages.success(
        request, _("Your evidence is now shown on the public page.") if show else _("Your evidence is now hidden.")
    )
    return redirect(found)
