from organisations.access import user_memberships


def navigation(request):
    """The signed-in user's organisations for the navigation bar (shared with the organiser pages' access check)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_memberships": lambda: user_memberships(request)}
