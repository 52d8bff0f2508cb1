"""The one place that decides who may open an organiser page.

Outside the organisation → 404 (its existence is not revealed); inside with too
small a role → 403; signed out → the sign-in page.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from learnerpass.lib.prepared import prepared
from organisations.models import Membership


def user_memberships(request) -> list[Membership]:
    """The signed-in user's memberships with their organisations, by organisation name; one query per request.

    The organiser pages enter one of them and the navigation lists them all: loaded once for both.
    """
    if not request.user.is_authenticated:
        return []
    cached = getattr(request, "_user_memberships", None)
    if cached is None:
        cached = request._user_memberships = _memberships(request.user.pk)
    return cached


@prepared
def _memberships(user_id):
    return Membership.objects.filter(user_id=user_id).select_related("organisation").order_by("organisation__name")


def get_membership_or_404(request, org_slug: str) -> Membership:
    for membership in user_memberships(request):
        if membership.organisation.slug == org_slug:
            return membership
    raise Http404("No such organisation.")


def enter_organisation(request, org_slug: str) -> Membership:
    """Resolve the member's organisation (404 for non-members) and set request.org and request.membership."""
    membership = get_membership_or_404(request, org_slug)
    request.org = membership.organisation
    request.membership = membership
    return membership


def org_member_required(*roles: str):
    """Decorate a view taking `org_slug`; sets request.org and request.membership.

    With no roles any member may enter; admins may always enter.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, org_slug, *args, **kwargs):
            if not enter_organisation(request, org_slug).has_role(*roles):
                raise PermissionDenied("Your role in this organisation does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def redirect_back(request, fallback):
    """Redirect to the posted `next` when it is a page of this organisation, else to `fallback`.

    Lets an action return to the list it was pressed on, never to another site or organisation.
    """
    target = request.POST.get("next", "")
    if target.startswith(f"/o/{request.org.slug}/") and "//" not in target:
        return redirect(target)
    return fallback
