"""Public pages: the catalogue, organisations' pages and the Open Badges documents."""

import functools

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found

from badges import images, ob, selectors, services, sharing
from badges.forms import HolderNameForm
from badges.models import (
    Activity,
    Assertion,
    BadgeClass,
    Playlist,
    PublishStatus,
)
from badges.views.common import badge_of
from credentials.views import credential_response, qr_response
from learnerpass.lib import files
from organisations.models import Organisation

CATALOGUE_PAGE = 24


def _catalogue_pages(request, activity_qs, playlist_qs) -> dict:
    """Activities and playlists paged separately; each pager keeps the search and the other list's page."""
    activities = Paginator(activity_qs, CATALOGUE_PAGE).get_page(request.GET.get("page"))
    playlists = Paginator(playlist_qs, CATALOGUE_PAGE).get_page(request.GET.get("playlists_page"))
    search = {k: v for k, v in request.GET.items() if k not in ("page", "playlists_page") and v}
    return {
        "page": activities,
        "playlists": playlists,
        "activities_query": urlencode(
            {**search, **({"playlists_page": playlists.number} if playlists.number > 1 else {})}
        ),
        "playlists_query": urlencode({**search, **({"page": activities.number} if activities.number > 1 else {})}),
    }


def catalogue(request):
    filters = {
        "q": request.GET.get("q", "").strip()[:100],
        "organiser": request.GET.get("organiser", "").strip()[:100],
        "place": request.GET.get("place", "").strip()[:100],
        "date_from": _date(request.GET.get("date_from")),
        "date_to": _date(request.GET.get("date_to")),
    }
    activity_qs, playlist_qs = selectors.catalogue(**filters)
    searched = any(filters.values())
    return render(
        request,
        "badges/catalogue.html",
        {**_catalogue_pages(request, activity_qs, playlist_qs), "filters": request.GET, "searched": searched},
    )


def _date(value):
    """A date from the query string, or None for anything that is not one (a search never errors)."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def public_activity(request, public_id):
    activity = get_object_or_404(
        Activity.objects.select_related("organisation", "badge"), public_id=public_id, status=PublishStatus.PUBLISHED
    )
    playlists = activity.playlists.filter(status=PublishStatus.PUBLISHED)
    held = None
    if request.user.is_authenticated and badge_of(activity) is not None:
        held = Assertion.objects.filter(badge=activity.badge, recipient=request.user, revoked_at__isnull=True).first()
    return render(request, "badges/public_activity.html", {"activity": activity, "playlists": playlists, "held": held})


def public_playlist(request, public_id):
    playlist = get_object_or_404(
        Playlist.objects.select_related("organisation", "badge"), public_id=public_id, status=PublishStatus.PUBLISHED
    )
    items = list(playlist.items.select_related("activity__badge"))
    held_activities: set[int] = set()
    held_playlist = None
    if request.user.is_authenticated:
        live = list(
            Assertion.objects.filter(recipient=request.user, revoked_at__isnull=True)
            .filter(Q(badge__activity__in=[i.activity_id for i in items]) | Q(badge__playlist=playlist))
            .select_related("badge")
        )
        held_activities = {a.badge.activity_id for a in live if a.badge.activity_id}
        held_playlist = next((a for a in live if a.badge.playlist_id == playlist.pk), None)
    return render(
        request,
        "badges/public_playlist.html",
        {
            "playlist": playlist,
            "items": items,
            "held_activities": held_activities,
            "held_playlist": held_playlist,
            "done_count": len(held_activities),
        },
    )


def organisation_page(request, org_slug):
    org = get_object_or_404(Organisation, slug=org_slug)
    activity_qs, playlist_qs = selectors.catalogue(organisation=org)
    return render(
        request, "badges/organisation.html", {"org": org, **_catalogue_pages(request, activity_qs, playlist_qs)}
    )


# --- public: Open Badges documents -----------------------------------------------------------------------------------


def _json(doc: dict, content_type: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(ob.dumps(doc), content_type=content_type, status=status)
    # Backpacks and verifiers in browsers fetch these documents from other origins.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def negotiated(view):
    """For the URLs that answer JSON or a page by the Accept header: every answer varies on it (caches must
    keep both), and an unknown id asked for as JSON is a JSON 404, not the HTML error page."""

    @functools.wraps(view)
    def wrapper(request, *args, suffix=None, **kwargs):
        content_type = ob.wants_json(request, suffix)
        try:
            response = view(request, *args, content_type=content_type, **kwargs)
        except Http404 as exc:
            if content_type:
                response = _json({"error": "not found", "status": 404}, content_type, status=404)
            else:
                response = page_not_found(request, exc)
        if suffix is None:
            patch_vary_headers(response, ["Accept"])
        return response

    return wrapper


@negotiated
def issuer(request, org_slug, content_type):
    org = get_object_or_404(Organisation, slug=org_slug)
    if content_type:
        return _json(ob.issuer_document(org), content_type)
    return redirect("badges:organisation", org_slug=org.slug)


@negotiated
def badge_class(request, public_id, content_type):
    badge = get_object_or_404(BadgeClass.objects.select_related("organisation"), public_id=public_id)
    if content_type:
        return _json(ob.badge_class_document(badge), content_type)
    return render(request, "badges/badge_class.html", {"badge": badge, "tasks": list(badge.tasks.all())})


def badge_image(request, public_id):
    badge = get_object_or_404(BadgeClass, public_id=public_id)
    data, kind = services.badge_base_image(badge)
    return _image_response(data, kind)


def badge_image_png(request, public_id):
    """The badge's picture as PNG, for link previews (they ignore SVG); drawn once per version of the badge."""
    badge = get_object_or_404(BadgeClass, public_id=public_id)
    key = f"badges:preview:{badge.public_id}:{badge.updated_at.timestamp()}"
    data = cache.get(key)
    if data is None:
        try:
            data = images.preview_png(*services.badge_base_image(badge))
        except images.ImageError:
            data = images.preview_png(images.default_svg(badge.name, badge.colour), "svg")
        cache.set(key, data, timeout=7 * 24 * 3600)
    return _image_response(data, "png")


def _image_response(data: bytes, kind: str, filename: str | None = None) -> HttpResponse:
    # An uploaded SVG is rebuilt by the sanitiser; the sandbox stops anything left from running if opened directly.
    return files.bytes_response(
        data,
        content_type="image/png" if kind == "png" else "image/svg+xml",
        filename=f"{filename}.{kind}" if filename else None,
        attachment=bool(filename),
        public=True,
    )


@negotiated
def assertion(request, public_id, content_type):
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
            "meta": sharing.share_meta(found),
            "linkedin_url": sharing.linkedin_add_url(found) if is_holder and not found.is_revoked else "",
            "name_form": HolderNameForm(
                initial={"show": found.show_name, "name": found.holder_name or found.recipient.get_full_name()}
            )
            if is_holder
            else None,
        },
        status=410 if found.is_revoked else 200,
    )


@require_safe
def assertion_credential(request, public_id):
    """The assertion's Open Badges 3.0 credential (signed); a revoked one is still served: its status says so."""
    found = get_object_or_404(
        Assertion.objects.select_related("badge__organisation", "status_list"), public_id=public_id
    )
    download = (
        f"{slugify(found.badge.name)[:40] or 'badge'}-{found.public_id}.json" if request.GET.get("download") else None
    )
    return credential_response(services.assertion_credential_json(assertion=found), filename=download)


@require_safe
def assertion_qr(request, public_id):
    """A QR code that opens the badge's public page, which verifies it."""
    found = get_object_or_404(Assertion, public_id=public_id)
    return qr_response(ob.assertion_url(found), filename=f"badge-{found.public_id}-qr.png")


def assertion_image(request, public_id):
    found = get_object_or_404(Assertion.objects.select_related("badge"), public_id=public_id)
    stored = bool(found.baked_image)
    data, kind = services.assertion_baked_image(assertion=found)
    filename = f"{found.badge.name[:40]}-badge" if request.GET.get("download") else None
    response = _image_response(data, kind, filename)
    if not stored:
        # Baked in memory until the bake job has stored it: let nobody keep this copy.
        response["Cache-Control"] = "no-store"
    return response
