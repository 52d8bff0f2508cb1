"""Organiser pages under /o/<org>/: activities, playlists, badges, issuing, the review queue."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from badges import images, selectors, services
from badges.forms import (
    ActivityForm,
    BadgeForm,
    InviteForm,
    IssueEmailsForm,
    LinkForm,
    PlaylistForm,
    RevokeForm,
    TaskForm,
    alignment_formset,
)
from badges.jobs import PLAYLIST_ISSUE
from badges.models import (
    Activity,
    Assertion,
    EvidenceSubmission,
    Playlist,
    Task,
)
from badges.views import rows
from badges.views.common import (
    MANAGE,
    PAGE_SIZE,
    badge_of,
    badge_redirect,
    get_activity_for_member,
    get_badge_for_member,
    get_playlist_for_member,
    link_of,
    report_messages,
    review_submission,
)
from jobs.selectors import latest_job_about
from learnerpass.lib.actions import perform
from learnerpass.lib.counts import CappedNumber, capped_count
from learnerpass.lib.csvexport import csv_response
from learnerpass.lib.filenames import name_download
from learnerpass.lib.keyset import keyset_page
from learnerpass.lib.urls import absolute_url
from organisations.access import org_member_required, redirect_back
from outbox.selectors import latest_emails_for

# --- organiser: activities and playlists ---------------------------------------------------------------------------


@org_member_required(*MANAGE)
def activities(request):
    activity_list = selectors.organiser_activities(request.org.pk)
    playlist_list = selectors.organiser_playlists(request.org.pk)
    pending = CappedNumber(selectors.waiting_count(request.org.pk)[0])
    return render(
        request,
        "badges/activities.html",
        {"activities": activity_list, "playlists": playlist_list, "pending": pending},
    )


@org_member_required(*MANAGE)
def activity_create(request):
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        activity = services.activity_create(organisation=request.org, user=request.user, data=form.cleaned_data)
        messages.success(request, _("Activity created. Publish it to create its badge."))
        return redirect("badges:activity_detail", org_slug=request.org.slug, pk=activity.pk)
    return render(request, "badges/activity_form.html", {"form": form})


@org_member_required(*MANAGE)
def activity_detail(request, pk):
    activity = get_object_or_404(Activity.objects.select_related("badge"), pk=pk, organisation=request.org)
    needed_by = services.playlists_needing(activity) if activity.status == "published" else []
    return render(
        request,
        "badges/activity_detail.html",
        {
            "activity": activity,
            "badge": badge_of(activity),
            "needed_by": needed_by,
            "needed_names": ", ".join(f"“{p.title}”" for p in needed_by),
        },
    )


@org_member_required(*MANAGE)
def activity_edit(request, pk):
    activity = get_activity_for_member(request, pk)
    form = ActivityForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        services.activity_update(activity=activity, user=request.user, data=form.cleaned_data)
        messages.success(request, _("Activity saved."))
        return redirect("badges:activity_detail", org_slug=request.org.slug, pk=activity.pk)
    return render(request, "badges/activity_form.html", {"form": form, "activity": activity})


@require_POST
@org_member_required(*MANAGE)
def activity_publish(request, pk):
    activity = get_activity_for_member(request, pk)
    perform(
        request,
        lambda: services.activity_publish(activity=activity, user=request.user),
        _("Published. Its badge is ready: issue it from the Badges tab."),
    )
    return redirect("badges:activity_detail", org_slug=request.org.slug, pk=activity.pk)


@require_POST
@org_member_required(*MANAGE)
def activity_unpublish(request, pk):
    activity = get_activity_for_member(request, pk)
    detached = perform(
        request,
        lambda: services.activity_unpublish(
            activity=activity, user=request.user, detach_from_playlists=request.POST.get("detach_from_playlists") == "1"
        ),
        _("Unpublished: it has left the catalogue and its link no longer works."),
    )
    if detached and detached.playlists:
        names = ", ".join(f"“{p.title}”" for p in detached.playlists)
        messages.info(
            request,
            ngettext(
                "It was taken out of the playlist %(names)s.",
                "It was taken out of the playlists %(names)s.",
                len(detached.playlists),
            )
            % {"names": names},
        )
        if detached.unpublished:
            messages.info(
                request,
                _("Left without activities, these were unpublished: %(names)s")
                % {"names": ", ".join(f"“{p.title}”" for p in detached.unpublished)},
            )
        if detached.issued or detached.queued:
            n = detached.issued + detached.queued
            messages.info(
                request,
                ngettext(
                    "%(n)s person now completes a playlist without it and gets its badge.",
                    "%(n)s people now complete a playlist without it and get its badge.",
                    n,
                )
                % {"n": n},
            )
    return redirect("badges:activity_detail", org_slug=request.org.slug, pk=activity.pk)


def _ordered_ids(request, form) -> list[int]:
    # Keep the order in which the boxes appear in the posted form.
    chosen = {a.pk for a in form.cleaned_data["activities"]}
    ordered = [int(v) for v in request.POST.getlist("activities") if v.isdigit() and int(v) in chosen]
    return ordered


@org_member_required(*MANAGE)
def playlist_create(request):
    form = PlaylistForm(request.POST or None, organisation=request.org)
    if request.method == "POST" and form.is_valid():
        playlist = perform(
            request,
            lambda: services.playlist_create(
                organisation=request.org,
                user=request.user,
                data=form.cleaned_data,
                activity_ids=_ordered_ids(request, form),
            ),
            _("Playlist created."),
        )
        if playlist:
            return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)
    return render(request, "badges/playlist_form.html", {"form": form})


@org_member_required(*MANAGE)
def playlist_detail(request, pk):
    playlist = get_object_or_404(Playlist.objects.select_related("badge"), pk=pk, organisation=request.org)
    items = list(playlist.items.select_related("activity"))
    return render(
        request,
        "badges/playlist_detail.html",
        {
            "playlist": playlist,
            "items": items,
            "badge": badge_of(playlist),
            "invite_form": InviteForm(),
            "issue_job": latest_job_about(playlist, kinds=[PLAYLIST_ISSUE.name]),
        },
    )


@org_member_required(*MANAGE)
def playlist_edit(request, pk):
    playlist = get_playlist_for_member(request, pk)
    form = PlaylistForm(request.POST or None, instance=playlist, organisation=request.org)
    if request.method == "POST" and form.is_valid():
        saved = perform(
            request,
            lambda: services.playlist_update(
                playlist=playlist, user=request.user, data=form.cleaned_data, activity_ids=_ordered_ids(request, form)
            ),
            _("Playlist saved."),
        )
        if saved:
            qualifiers_message(request, saved.qualifiers)
            return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)
    return render(request, "badges/playlist_form.html", {"form": form, "playlist": playlist})


def qualifiers_message(request, issue: services.QualifierIssue) -> None:
    if issue.issued:
        messages.success(
            request,
            ngettext(
                "Its badge was issued to %(n)s person who had already completed it.",
                "Its badge was issued to %(n)s people who had already completed it.",
                issue.issued,
            )
            % {"n": issue.issued},
        )
    if issue.queued:
        messages.info(
            request,
            ngettext(
                "Its badge is being issued in the background to %(n)s person who had already completed it; "
                "the progress shows on the playlist's page.",
                "Its badge is being issued in the background to %(n)s people who had already completed it; "
                "the progress shows on the playlist's page.",
                issue.queued,
            )
            % {"n": issue.queued},
        )


@require_POST
@org_member_required(*MANAGE)
def playlist_publish(request, pk):
    playlist = get_playlist_for_member(request, pk)
    published = perform(
        request,
        lambda: services.playlist_publish(playlist=playlist, user=request.user),
        _("Published. Completing it now earns its badge."),
    )
    if published:
        qualifiers_message(request, published.qualifiers)
    return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)


@require_POST
@org_member_required(*MANAGE)
def playlist_unpublish(request, pk):
    playlist = get_playlist_for_member(request, pk)
    perform(
        request,
        lambda: services.playlist_unpublish(playlist=playlist, user=request.user),
        _("Unpublished: it has left the catalogue and completing it no longer earns its badge."),
    )
    return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)


@require_POST
@org_member_required(*MANAGE)
def playlist_move(request, pk, item_pk, direction):
    if direction not in ("up", "down"):
        raise Http404
    playlist = get_playlist_for_member(request, pk)
    perform(
        request,
        lambda: services.playlist_item_move(
            playlist=playlist, item_id=item_pk, up=direction == "up", user=request.user
        ),
    )
    return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)


@require_POST
@org_member_required(*MANAGE)
def playlist_invite(request, pk):
    playlist = get_playlist_for_member(request, pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        report = perform(
            request,
            lambda: services.playlist_invite(playlist=playlist, text=form.cleaned_data["emails"], user=request.user),
        )
        if report:
            report_messages(
                request,
                report,
                lambda n: ngettext("%(n)s invitation sent.", "%(n)s invitations sent.", n) % {"n": n},
            )
    else:
        messages.error(request, _("Enter at least one valid email address."))
    return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)


# --- organiser: badges ------------------------------------------------------------------------------------------------


@org_member_required(*MANAGE)
def badge_detail(request, public_id):
    badge = get_badge_for_member(request, public_id, with_quests=True)
    link = link_of(badge)
    page = keyset_page(
        selectors.badge_holders(badge),
        order=selectors.HOLDER_ORDER,
        request=request,
        per_page=PAGE_SIZE,
        first=lambda: selectors.first_holders(badge.pk),
    )
    holders = page.object_list
    emails = latest_emails_for(holders)
    for holder in holders:
        holder.email_status = emails.get(holder.pk)
    tasks = selectors.badge_page_tasks(badge.pk)
    # Evidence is given for a task: a badge without tasks has none waiting (and is spared the query).
    pending = selectors.badge_page_pending(badge.pk) if tasks else []
    claim_url = absolute_url("badges:claim", code=link.code)
    csrf = csrf_input(request)
    events = selectors.badge_page_events(badge.pk)
    return render(
        request,
        "badges/badge_detail.html",
        {
            "badge": badge,
            "link": link,
            "claim_url": claim_url,
            "link_problem": services.link_problem(link),
            "page": page,
            "holders": holders,
            "holder_rows": rows.holder_rows(holders, org_slug=request.org.slug, csrf_input=csrf),
            "pending": pending,
            "pending_cards": rows.pending_cards(
                pending, org_slug=request.org.slug, csrf_input=csrf, next_url=request.path
            ),
            "pending_count": (
                capped_count(selectors.badge_pending_evidence(badge.pk))
                if len(pending) == selectors.BADGE_PAGE_PENDING
                else len(pending)
            ),
            "tasks": tasks,
            "issue_form": IssueEmailsForm(),
            "link_form": LinkForm(instance=link),
            "task_form": TaskForm(),
            "revoke_form": RevokeForm(),
            "quests_count": CappedNumber(badge.n_quests),
            "badge_jobs": selectors.badge_page_jobs(badge.pk),
            "events": events,
            "event_rows": rows.event_rows(events),
        },
    )


@org_member_required(*MANAGE)
def badge_edit(request, public_id):
    badge = get_badge_for_member(request, public_id)
    form = BadgeForm(request.POST or None, request.FILES or None, instance=badge)
    alignments = alignment_formset(badge, request.POST or None)
    if request.method == "POST" and form.is_valid() and alignments.is_valid():
        try:
            services.badge_update(
                badge=badge,
                user=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                criteria=form.cleaned_data["criteria"],
                image=form.cleaned_data.get("image"),
                remove_image=form.cleaned_data.get("remove_image", False),
                expiry=form.expiry_rule(),
                alignment=[row for row in alignments.cleaned_data if row],
                tags=form.tag_list(),
            )
        except services.BadgesError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Badge saved."))
            return badge_redirect(request, badge)
    return render(request, "badges/badge_form.html", {"form": form, "alignments": alignments, "badge": badge})


@require_POST
@org_member_required(*MANAGE)
def badge_issue(request, public_id):
    badge = get_badge_for_member(request, public_id)
    form = IssueEmailsForm(request.POST)
    if form.is_valid():
        report = perform(
            request,
            lambda: services.badge_issue_to_emails(
                badge=badge,
                text=form.cleaned_data["emails"],
                issued_by=request.user,
                expires=form.cleaned_data["expires"],
            ),
        )
        if report:
            report_messages(
                request,
                report,
                lambda n: (
                    ngettext(
                        "Badge issued to %(n)s person; they get an email to claim it.",
                        "Badge issued to %(n)s people; each gets an email to claim it.",
                        n,
                    )
                    % {"n": n}
                ),
            )
    else:
        messages.error(request, _("Enter at least one valid email address."))
    return badge_redirect(request, badge)


@require_POST
@org_member_required(*MANAGE)
def badge_link(request, public_id):
    badge = get_badge_for_member(request, public_id)
    form = LinkForm(request.POST, instance=link_of(badge))
    if form.is_valid():
        services.badge_link_update(
            badge=badge,
            user=request.user,
            enabled=form.cleaned_data["enabled"],
            expires_at=form.cleaned_data["expires_at"],
            max_claims=form.cleaned_data["max_claims"],
            new_code=form.cleaned_data["new_code"],
        )
        messages.success(request, _("Link settings saved."))
    else:
        messages.error(request, _("Check the link settings: %(errors)s") % {"errors": form.errors.as_text()})
    return badge_redirect(request, badge)


@org_member_required(*MANAGE)
def badge_holders_csv(request, public_id):
    badge = get_badge_for_member(request, public_id)
    rows = (
        (
            a.recipient_email,
            a.issued_on.strftime("%Y-%m-%d %H:%M:%S"),
            a.get_source_display(),
            a.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if a.revoked_at else "",
            a.revocation_reason,
            absolute_url("badges:assertion", public_id=a.public_id),
        )
        for a in selectors.badge_holders(badge).iterator(chunk_size=2000)
    )
    header = [_("email"), _("issued (UTC)"), _("how"), _("revoked (UTC)"), _("reason"), _("public page")]
    return csv_response(f"badge-holders-{badge.public_id}.csv", header, rows)


@org_member_required(*MANAGE)
def badge_qr(request, public_id, kind):
    if kind not in ("png", "svg"):
        raise Http404
    badge = get_badge_for_member(request, public_id)
    link = link_of(badge)
    if services.link_problem(link) is not None:
        # A QR code of a link that is off (or expired, used up, unpublished) would be printed and fail.
        raise Http404("The link does not work, so it has no QR code.")
    data = images.qr_code(absolute_url("badges:claim", code=link.code), kind)
    response = HttpResponse(data, content_type="image/png" if kind == "png" else "image/svg+xml")
    return name_download(response, f"badge-qr-{badge.public_id}.{kind}")


@require_POST
@org_member_required(*MANAGE)
def task_create(request, public_id):
    badge = get_badge_for_member(request, public_id)
    form = TaskForm(request.POST)
    if form.is_valid():
        services.task_create(badge=badge, user=request.user, **form.cleaned_data)
        messages.success(request, _("Task added."))
    else:
        messages.error(request, _("Check the task: %(errors)s") % {"errors": form.errors.as_text()})
    return badge_redirect(request, badge)


@org_member_required(*MANAGE)
def task_edit(request, public_id, pk):
    badge = get_badge_for_member(request, public_id)
    task = get_object_or_404(Task, pk=pk, badge=badge)
    form = TaskForm(request.POST or None, instance=task)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(task=task, user=request.user, data=form.cleaned_data)
        except services.BadgesError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Task saved."))
            return badge_redirect(request, badge)
    return render(request, "badges/task_form.html", {"form": form, "badge": badge, "task": task})


@require_POST
@org_member_required(*MANAGE)
def task_move(request, public_id, pk, direction):
    if direction not in ("up", "down"):
        raise Http404
    badge = get_badge_for_member(request, public_id)
    task = get_object_or_404(Task, pk=pk, badge=badge)
    perform(request, lambda: services.task_move(task=task, user=request.user, up=direction == "up"))
    return badge_redirect(request, badge)


@require_POST
@org_member_required(*MANAGE)
def task_delete(request, public_id, pk):
    badge = get_badge_for_member(request, public_id)
    task = get_object_or_404(Task, pk=pk, badge=badge)
    perform(request, lambda: services.task_delete(task=task, user=request.user), _("Task deleted."))
    return badge_redirect(request, badge)


@require_POST
@org_member_required(*MANAGE)
def assertion_revoke(request, public_id):
    assertion = get_object_or_404(
        Assertion.objects.select_related("badge"), public_id=public_id, badge__organisation=request.org
    )
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason: it is published with the revocation."))
        return badge_redirect(request, assertion.badge)
    revoked = perform(
        request,
        lambda: services.assertion_revoke(assertion=assertion, reason=form.cleaned_data["reason"], user=request.user),
        _("Badge of %(email)s revoked.") % {"email": assertion.recipient_email},
    )
    if revoked:
        kept = selectors.playlist_badges_earned_with(assertion)
        if kept:
            messages.info(
                request,
                _(
                    "They keep the playlist badge %(badges)s earned with it. Revoke it from that badge's page "
                    "if it should go too."
                )
                % {"badges": ", ".join(f"“{a.badge.name}”" for a in kept)},
            )
    return badge_redirect(request, assertion.badge)


@org_member_required(*MANAGE)
def queue(request):
    page = keyset_page(
        selectors.organiser_queue(request.org), order=selectors.QUEUE_ORDER, request=request, per_page=PAGE_SIZE
    )
    cards = rows.queue_cards(page.object_list, org_slug=request.org.slug, csrf_input=csrf_input(request))
    return render(request, "badges/queue.html", {"page": page, "queue_cards": cards})


@require_POST
@org_member_required(*MANAGE)
def organiser_review(request, pk):
    submission = get_object_or_404(EvidenceSubmission, pk=pk, task__badge__organisation=request.org)
    review_submission(request, submission, as_organiser=True)
    return redirect_back(request, redirect("badges:queue", org_slug=request.org.slug))
