from functools import cache

from django.urls import get_script_prefix, reverse

from organisations.access import user_memberships

# The links of every page's frame (navigation, account menu, language form).
FRAME_URLS = (
    "home",
    "me",
    "badges:catalogue",
    "organisations:create",
    "account_email",
    "account_change_password",
    "account_logout",
    "account_login",
    "account_signup",
    "set_language",
)


@cache
def _frame_urls(script_prefix: str) -> dict[str, str]:
    return {name.replace(":", "_"): reverse(name) for name in FRAME_URLS}


def frame_urls(request):
    """The frame's links, reversed once per process (a dozen reverse() calls on every page otherwise)."""
    return {"frame_urls": _frame_urls(get_script_prefix())}


def navigation(request):
    """The signed-in user's organisations for the navigation bar (shared with the organiser pages' access check)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_memberships": lambda: user_memberships(request)}
