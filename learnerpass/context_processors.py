from organisations.models import Membership


def navigation(request):
    """The signed-in user's organisations for the navigation bar (one query, only when used)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def memberships():
        return list(Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name"))

    return {"nav_memberships": memberships}
