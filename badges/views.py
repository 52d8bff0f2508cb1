from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from badges import images, ob, selectors, services
from badges.forms import (
    ActivityForm,
    BadgeForm,
    EvidenceForm,
    InviteForm,
    IssueEmailsForm,
    LinkForm,
    PlaylistForm,
    ReviewForm,
    RevokeForm,
    TaskForm,
)
from badges.models import (
    Activity,
    Assertion,
    AssertionClaim,
    BadgeClass,
    BadgeLink,
    EvidenceSubmission,
    Playlist,
    PublishStatus,
    Quest,
    Task,
)
from learnerpass.lib.urls import absolute_url
from organisations.access import org_member_required
from organisations.models import Membership, Organisation, Role
from outbox.selectors import latest_emails_for

MANAGE = (Role.ORGANISER,)
PAGE_SIZE = 50
PENDING_SHOWN = 20


def get_activity_for_member(request, pk: int) -> Activity:
    return get_object_or_404(Activity, pk=pk, organisation=request.org)


def get_playlist_for_member(request, pk: int) -> Playlist:
    return get_object_or_404(Playlist, pk=pk, organisation=request.org)


def get_badge_for_member(request, public_id: str) -> BadgeClass:
    return get_object_or_404(
        BadgeClass.objects.select_related("activity", "playlist", "link"), public_id=public_id, organisation=request.org
    )


def _badge_redirect(request, badge):
    return redirect("badges:badge_detail", org_slug=request.org.slug, public_id=badge.public_id)


def _report_messages(request, report: services.IssueReport, done: str) -> None:
    if report.issued:
        messages.success(request, done % {"n": len(report.issued)})
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


# --- organiser: activities and playlists ---------------------------------------------------------------------------


@org_member_required(*MANAGE)
def activities(request):
    activity_list = list(
        Activity.objects.filter(organisation=request.org)
        .select_related("badge")
        .annotate(
            holders=Count("badge__assertions", filter=Q(badge__assertions__revoked_at__isnull=True), distinct=True)
        )
        .order_by("-created_at", "-id")
    )
    playlist_list = list(
        Playlist.objects.filter(organisation=request.org)
        .select_related("badge")
        .annotate(n_activities=Count("items", distinct=True))
        .order_by("-created_at", "-id")
    )
    pending = selectors.organiser_queue(request.org).count()
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
    return render(request, "badges/activity_detail.html", {"activity": activity, "badge": _badge_of(activity)})


def _badge_of(source):
    try:
        return source.badge
    except BadgeClass.DoesNotExist:
        return None


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
    try:
        services.activity_publish(activity=activity, user=request.user)
    except services.BadgesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Published. Its badge is ready: issue it from the Badges tab."))
    return redirect("badges:activity_detail", org_slug=request.org.slug, pk=activity.pk)


@require_POST
@org_member_required(*MANAGE)
def activity_unpublish(request, pk):
    activity = get_activity_for_member(request, pk)
    try:
        services.activity_unpublish(activity=activity, user=request.user)
    except services.BadgesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Unpublished: it has left the catalogue and its link no longer works."))
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
        try:
            playlist = services.playlist_create(
                organisation=request.org,
                user=request.user,
                data=form.cleaned_data,
                activity_ids=_ordered_ids(request, form),
            )
        except services.BadgesError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Playlist created."))
            return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)
    return render(request, "badges/playlist_form.html", {"form": form})


@org_member_required(*MANAGE)
def playlist_detail(request, pk):
    playlist = get_object_or_404(Playlist.objects.select_related("badge"), pk=pk, organisation=request.org)
    items = list(playlist.items.select_related("activity"))
    return render(
        request,
        "badges/playlist_detail.html",
        {"playlist": playlist, "items": items, "badge": _badge_of(playlist), "invite_form": InviteForm()},
    )


@org_member_required(*MANAGE)
def playlist_edit(request, pk):
    playlist = get_playlist_for_member(request, pk)
    form = PlaylistForm(request.POST or None, instance=playlist, organisation=request.org)
    if request.method == "POST" and form.is_valid():
        try:
            services.playlist_update(
                playlist=playlist, user=request.user, data=form.cleaned_data, activity_ids=_ordered_ids(request, form)
            )
        except services.BadgesError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Playlist saved."))
            return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)
    return render(request, "badges/playlist_form.html", {"form": form, "playlist": playlist})


@require_POST
@org_member_required(*MANAGE)
def playlist_publish(request, pk):
    playlist = get_playlist_for_member(request, pk)
    try:
        services.playlist_publish(playlist=playlist, user=request.user)
    except services.BadgesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Published. Completing it now earns its badge."))
    return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)


@require_POST
@org_member_required(*MANAGE)
def playlist_unpublish(request, pk):
    playlist = get_playlist_for_member(request, pk)
    try:
        services.playlist_unpublish(playlist=playlist, user=request.user)
    except services.BadgesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Unpublished."))
    return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)


@require_POST
@org_member_required(*MANAGE)
def playlist_move(request, pk, item_pk, direction):
    if direction not in ("up", "down"):
        raise Http404
    playlist = get_playlist_for_member(request, pk)
    try:
        services.playlist_item_move(playlist=playlist, item_id=item_pk, up=direction == "up", user=request.user)
    except services.BadgesError as exc:
        messages.error(request, str(exc))
    return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)


@require_POST
@org_member_required(*MANAGE)
def playlist_invite(request, pk):
    playlist = get_playlist_for_member(request, pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            report = services.playlist_invite(playlist=playlist, text=form.cleaned_data["emails"], user=request.user)
        except services.BadgesError as exc:
            messages.error(request, str(exc))
        else:
            _report_messages(request, report, _("%(n)s invitations sent."))
    else:
        messages.error(request, _("Enter at least one valid email address."))
    return redirect("badges:playlist_detail", org_slug=request.org.slug, pk=playlist.pk)


# --- organiser: badges ------------------------------------------------------------------------------------------------


@org_member_required(*MANAGE)
def badge_detail(request, public_id):
    badge = get_badge_for_member(request, public_id)
    link = BadgeLink.objects.get_or_create(badge=badge)[0] if not hasattr(badge, "link") else badge.link
    page = Paginator(selectors.badge_holders(badge), PAGE_SIZE).get_page(request.GET.get("page"))
    holders = list(page.object_list)
    emails = latest_emails_for(holders)
    for holder in holders:
        holder.email_status = emails.get(holder.pk)
    pending_qs = EvidenceSubmission.objects.filter(task__badge=badge, status=EvidenceSubmission.Status.SUBMITTED)
    pending = list(pending_qs.select_related("task", "learner").order_by("submitted_at", "id")[:PENDING_SHOWN])
    tasks = list(badge.tasks.all())
    claim_url = absolute_url("badges:claim", code=link.code)
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
            "pending": pending,
            "pending_count": pending_qs.count() if len(pending) == PENDING_SHOWN else len(pending),
            "tasks": tasks,
            "issue_form": IssueEmailsForm(),
            "link_form": LinkForm(instance=link),
            "task_form": TaskForm(),
            "revoke_form": RevokeForm(),
            "review_form": ReviewForm(),
            "quests_count": badge.quests.filter(status=Quest.Status.IN_PROGRESS).count(),
            "events": list(badge.events.select_related("actor")[:20]),
        },
    )


@org_member_required(*MANAGE)
def badge_edit(request, public_id):
    badge = get_badge_for_member(request, public_id)
    form = BadgeForm(request.POST or None, request.FILES or None, instance=badge)
    if request.method == "POST" and form.is_valid():
        try:
            services.badge_update(
                badge=badge,
                user=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                criteria=form.cleaned_data["criteria"],
                image=form.cleaned_data.get("image"),
                remove_image=form.cleaned_data.get("remove_image", False),
            )
        except services.BadgesError as exc:
            form.add_error("image", str(exc))
        else:
            messages.success(request, _("Badge saved."))
            return _badge_redirect(request, badge)
    return render(request, "badges/badge_form.html", {"form": form, "badge": badge})


@require_POST
@org_member_required(*MANAGE)
def badge_issue(request, public_id):
    badge = get_badge_for_member(request, public_id)
    form = IssueEmailsForm(request.POST)
    if form.is_valid():
        try:
            report = services.badge_issue_to_emails(
                badge=badge, text=form.cleaned_data["emails"], issued_by=request.user
            )
        except services.BadgesError as exc:
            messages.error(request, str(exc))
        else:
            _report_messages(request, report, _("Badge issued to %(n)s people; each gets an email to claim it."))
    else:
        messages.error(request, _("Enter at least one valid email address."))
    return _badge_redirect(request, badge)


@require_POST
@org_member_required(*MANAGE)
def badge_link(request, public_id):
    badge = get_badge_for_member(request, public_id)
    form = LinkForm(request.POST, instance=BadgeLink.objects.get_or_create(badge=badge)[0])
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
    return _badge_redirect(request, badge)


@org_member_required(*MANAGE)
def badge_qr(request, public_id, kind):
    if kind not in ("png", "svg"):
        raise Http404
    badge = get_badge_for_member(request, public_id)
    link = BadgeLink.objects.get_or_create(badge=badge)[0]
    data = images.qr_code(absolute_url("badges:claim", code=link.code), kind)
    response = HttpResponse(data, content_type="image/png" if kind == "png" else "image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="badge-qr-{badge.public_id}.{kind}"'
    return response


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
    return _badge_redirect(request, badge)


@require_POST
@org_member_required(*MANAGE)
def task_delete(request, public_id, pk):
    badge = get_badge_for_member(request, public_id)
    task = get_object_or_404(Task, pk=pk, badge=badge)
    try:
        services.task_delete(task=task, user=request.user)
    except services.BadgesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Task deleted."))
    return _badge_redirect(request, badge)


@require_POST
@org_member_required(*MANAGE)
def assertion_revoke(request, public_id):
    assertion = get_object_or_404(
        Assertion.objects.select_related("badge"), public_id=public_id, badge__organisation=request.org
    )
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise services.BadgesError(_("Give a reason: it is published with the revocation."))
        services.assertion_revoke(assertion=assertion, reason=form.cleaned_data["reason"], user=request.user)
    except services.BadgesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Badge of %(email)s revoked.") % {"email": assertion.recipient_email})
    return _badge_redirect(request, assertion.badge)


@org_member_required(*MANAGE)
def queue(request):
    page = Paginator(selectors.organiser_queue(request.org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "badges/queue.html", {"page": page, "review_form": ReviewForm()})


@require_POST
@org_member_required(*MANAGE)
def organiser_review(request, pk):
    submission = get_object_or_404(EvidenceSubmission, pk=pk, task__badge__organisation=request.org)
    _review(request, submission, as_organiser=True)
    return redirect(request.POST.get("next") if _safe_next(request) else "badges:queue", org_slug=request.org.slug)


def _safe_next(request) -> bool:
    return request.POST.get("next", "").startswith(f"/o/{request.org.slug}/")


def _review(request, submission, *, as_organiser: bool) -> None:
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.evidence_review(
            submission=submission,
            reviewer=request.user,
            approve=approve,
            comment=form.cleaned_data["comment"],
            as_organiser=as_organiser,
        )
    except services.BadgesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Evidence approved.") if approve else _("Evidence sent back with your comment."))


# --- public: catalogue ----------------------------------------------------------------------------------------------


def catalogue(request):
    filters = {
        "q": request.GET.get("q", "").strip()[:100],
        "organiser": request.GET.get("organiser", "").strip()[:100],
        "place": request.GET.get("place", "").strip()[:100],
        "date_from": parse_date(request.GET.get("date_from", "") or "")
        if _is_date(request.GET.get("date_from"))
        else None,
        "date_to": parse_date(request.GET.get("date_to", "") or "") if _is_date(request.GET.get("date_to")) else None,
    }
    activity_qs, playlist_qs = selectors.catalogue(**filters)
    page = Paginator(activity_qs, 24).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "badges/catalogue.html",
        {"page": page, "playlists": list(playlist_qs[:24]), "filters": request.GET, "query_string": query},
    )


def _is_date(value) -> bool:
    try:
        return bool(value) and parse_date(value) is not None
    except ValueError:
        return False


def public_activity(request, public_id):
    activity = get_object_or_404(
        Activity.objects.select_related("organisation", "badge"), public_id=public_id, status=PublishStatus.PUBLISHED
    )
    playlists = activity.playlists.filter(status=PublishStatus.PUBLISHED)
    return render(request, "badges/public_activity.html", {"activity": activity, "playlists": playlists})


def public_playlist(request, public_id):
    playlist = get_object_or_404(
        Playlist.objects.select_related("organisation", "badge"), public_id=public_id, status=PublishStatus.PUBLISHED
    )
    items = list(playlist.items.select_related("activity__badge"))
    return render(request, "badges/public_playlist.html", {"playlist": playlist, "items": items})


def organisation_page(request, org_slug):
    org = get_object_or_404(Organisation, slug=org_slug)
    activity_list = Activity.objects.filter(organisation=org, status=PublishStatus.PUBLISHED).select_related("badge")
    playlist_list = Playlist.objects.filter(organisation=org, status=PublishStatus.PUBLISHED).select_related("badge")
    return render(
        request,
        "badges/organisation.html",
        {"org": org, "activities": activity_list.order_by("start_date", "title"), "playlists": playlist_list},
    )


# --- public: Open Badges documents -----------------------------------------------------------------------------------


def _json(doc: dict, content_type: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(ob.dumps(doc), content_type=content_type, status=status)
    # Backpacks and verifiers in browsers fetch these documents from other origins.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def issuer(request, org_slug, suffix=None):
    org = get_object_or_404(Organisation, slug=org_slug)
    content_type = ob.wants_json(request, suffix)
    if content_type:
        return _json(ob.issuer_document(org), content_type)
    return redirect("badges:organisation", org_slug=org.slug)


def badge_class(request, public_id, suffix=None):
    badge = get_object_or_404(BadgeClass.objects.select_related("organisation"), public_id=public_id)
    content_type = ob.wants_json(request, suffix)
    if content_type:
        return _json(ob.badge_class_document(badge), content_type)
    return render(request, "badges/badge_class.html", {"badge": badge, "tasks": list(badge.tasks.all())})


def badge_image(request, public_id):
    badge = get_object_or_404(BadgeClass, public_id=public_id)
    data, kind = services.badge_base_image(badge)
    return _image_response(data, kind)


def _image_response(data: bytes, kind: str, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png" if kind == "png" else "image/svg+xml")
    response["Access-Control-Allow-Origin"] = "*"
    # An uploaded SVG is sanitised; this stops anything left from running if opened directly.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response


def assertion(request, public_id, suffix=None):
    content_type = ob.wants_json(request, suffix)
    if content_type:
        # The hot path for verifiers: one query, no session or user lookups.
        found = Assertion.objects.select_related("badge").filter(public_id=public_id).first()
        if found is None:
            raise Http404
        if found.is_revoked:
            return _json(ob.revoked_document(found), content_type, status=410)
        return _json(ob.assertion_document(found), content_type)
    found = get_object_or_404(Assertion.objects.select_related("badge__organisation", "recipient"), public_id=public_id)
    check = request.GET.get("email", "").strip()
    matches = ob.recipient_identity(check, found.salt) == found.identity if check else None
    is_holder = request.user.is_authenticated and found.recipient_id == request.user.pk
    return render(
        request,
        "badges/assertion.html",
        {
            "assertion": found,
            "badge": found.badge,
            "is_holder": is_holder,
            "check": check,
            "matches": matches,
            "share_url": ob.assertion_url(found),
            "expired": found.expires is not None and found.expires <= timezone.now(),
            "evidence": found.evidence if found.show_evidence or is_holder else [],
        },
        status=410 if found.is_revoked else 200,
    )


def assertion_image(request, public_id):
    found = get_object_or_404(Assertion.objects.select_related("badge"), public_id=public_id)
    data, kind = services.assertion_baked_image(assertion=found)
    filename = f"{found.badge.name[:40]}-badge".replace('"', "") if request.GET.get("download") else None
    return _image_response(data, kind, filename)


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
        try:
            result = services.badge_link_claim(code=code, user=request.user)
        except services.BadgesError as exc:
            messages.error(request, str(exc))
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
        try:
            services.assertion_claim_accept(token=token, user=request.user)
        except services.BadgesError as exc:
            messages.error(request, str(exc))
            return redirect("me")
        messages.success(
            request, _("The badge “%(badge)s” is now in your account.") % {"badge": assertion_row.badge.name}
        )
        return redirect("me")
    if not request.user.is_authenticated:
        # Following the link proves the address, so signing up with it needs no second confirmation.
        request.session["account_verified_email"] = assertion_row.recipient_email
    auth_query = urlencode({"next": request.path, "email": assertion_row.recipient_email})
    return render(request, "badges/accept.html", {"assertion": assertion_row, "auth_query": auth_query})


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
        try:
            submission = services.evidence_submit(
                task=task,
                learner=request.user,
                text=form.cleaned_data.get("text", ""),
                url=form.cleaned_data.get("url", ""),
                file=form.cleaned_data.get("file"),
            )
        except services.BadgesError as exc:
            messages.error(request, str(exc))
        else:
            if submission.status == EvidenceSubmission.Status.APPROVED:
                messages.success(request, _("Evidence submitted and approved."))
            else:
                messages.success(request, _("Evidence submitted. You will see here when it is reviewed."))
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
    return render(request, "badges/reviews.html", {"page": page, "review_form": ReviewForm()})


@require_POST
@login_required
def peer_review(request, public_id):
    submission = get_object_or_404(EvidenceSubmission, public_id=public_id)
    _review(request, submission, as_organiser=False)
    return redirect("badges:reviews")


def evidence_file(request, public_id):
    submission = get_object_or_404(
        EvidenceSubmission.objects.select_related("task__badge"), public_id=public_id, file__gt=""
    )
    badge = submission.task.badge
    user = request.user
    signed_in = user.is_authenticated
    allowed = (
        (signed_in and submission.learner_id == user.pk)
        or signed_in
        and Membership.objects.filter(organisation_id=badge.organisation_id, user=user).exists()
        or (
            signed_in
            and submission.task.approval == Task.Approval.PEER
            and services.is_peer(user=user, badge_id=badge.pk)
        )
        or Assertion.objects.filter(
            badge=badge, recipient_id=submission.learner_id, revoked_at__isnull=True, show_evidence=True
        ).exists()
    )
    if not allowed:
        raise PermissionDenied
    return FileResponse(
        submission.file.open("rb"), as_attachment=True, filename=submission.file.name.rsplit("/", 1)[-1]
    )


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
