"""Helpers shared by the organiser, public and learner views."""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from badges import selectors, services
from badges.forms import (
    ReviewForm,
)
from badges.models import (
    Activity,
    BadgeClass,
    BadgeLink,
    Playlist,
)
from learnerpass.lib.actions import perform
from learnerpass.lib.prepared import one_or_404, prepared
from organisations.models import Role

MANAGE = (Role.ORGANISER,)
PAGE_SIZE = selectors.PAGE_SIZE


def get_activity_for_member(request, pk: int) -> Activity:
    return get_object_or_404(Activity, pk=pk, organisation=request.org)


def get_playlist_for_member(request, pk: int) -> Playlist:
    return get_object_or_404(Playlist, pk=pk, organisation=request.org)


def get_badge_for_member(request, public_id: str, *, with_quests: bool = False) -> BadgeClass:
    """The organisation's badge, or a 404; with_quests also counts, as n_quests, the learners working
    towards it now (up to the cap), in the same query."""
    lookup = _member_badge_with_quests if with_quests else _member_badge
    return one_or_404(lookup(public_id, request.org.pk), "badge")


def _badge_of_member(public_id, organisation_id):
    return BadgeClass.objects.select_related("activity", "playlist", "link").filter(
        public_id=public_id, organisation_id=organisation_id
    )


# Every organiser page of a badge asks for it: prepared (its SQL built once per process).
_member_badge = prepared(_badge_of_member)


@prepared
def _member_badge_with_quests(public_id, organisation_id):
    return selectors.with_quests_in_progress(_badge_of_member(public_id, organisation_id))


def link_of(badge: BadgeClass) -> BadgeLink:
    # Publishing creates every badge's link; a badge class added in the Django admin may have none yet.
    try:
        return badge.link
    except BadgeLink.DoesNotExist:
        return BadgeLink.objects.get_or_create(badge=badge)[0]


def badge_redirect(request, badge):
    return redirect("badges:badge_detail", org_slug=request.org.slug, public_id=badge.public_id)


def report_messages(request, report: services.IssueReport, done: Callable[[int], str]) -> None:
    """`done(n)` says what happened to the n addresses, in the plural form n asks for."""
    if report.issued:
        messages.success(request, done(len(report.issued)))
    if report.invalid:
        messages.error(request, _("Not valid email addresses: %(list)s") % {"list": ", ".join(report.invalid[:50])})
    if report.duplicates:
        messages.info(request, _("Listed twice (sent once): %(list)s") % {"list": ", ".join(report.duplicates[:50])})
    if report.already_held:
        messages.info(
            request, _("Already hold this badge (skipped): %(list)s") % {"list": ", ".join(report.already_held[:50])}
        )
    if not (report.issued or report.invalid or report.already_held):
        messages.error(request, _("Enter at least one valid email address."))


def badge_of(source):
    try:
        return source.badge
    except BadgeClass.DoesNotExist:
        return None


def review_submission(request, submission, *, as_organiser: bool) -> None:
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return
    approve = form.cleaned_data["decision"] == "approve"
    perform(
        request,
        lambda: services.evidence_review(
            submission=submission,
            reviewer=request.user,
            approve=approve,
            comment=form.cleaned_data["comment"],
            as_organiser=as_organiser,
        ),
        _("Evidence approved.") if approve else _("Evidence sent back with your comment."),
    )
