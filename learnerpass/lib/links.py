"""The part every emailed-link page shares: who is looking at it."""

from django.utils.http import urlencode


def link_visitor(request, invited_email: str) -> dict:
    """Context for templates/_link_visitor.html.

    A signed-out visitor gets sign-in/sign-up links that come back here with the invited
    address pre-filled; following the link proved that address, so allauth treats it as
    verified at sign-up. A signed-in visitor with another address is warned: an organiser
    checking a copied link, or a shared computer, would otherwise act for the wrong account.
    """
    if not request.user.is_authenticated:
        request.session["account_verified_email"] = invited_email
        return {"auth_query": urlencode({"next": request.path, "email": invited_email}), "invited_email": invited_email}
    other = (request.user.email or "").strip().lower() != invited_email.strip().lower()
    return {"other_account": other, "invited_email": invited_email}
