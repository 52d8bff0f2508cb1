"""What a shared badge tells the outside: link previews (Open Graph, Twitter cards) and LinkedIn's
add-to-profile link. Pure functions of an assertion, for the share page."""

from urllib.parse import urlencode

from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from badges import ob
from badges.models import Assertion
from learnerpass.lib.urls import absolute_url

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def preview_image_url(assertion: Assertion) -> str:
    return absolute_url("badges:badge_image_png", public_id=assertion.badge.public_id)


def share_meta(assertion: Assertion) -> dict:
    """Title, description, image and URL for the link preview of the share page."""
    badge = assertion.badge
    issuer = badge.organisation.name
    if assertion.is_revoked:
        lead = _("Revoked by %(issuer)s.") % {"issuer": issuer}
    elif assertion.shown_name:
        lead = _("%(name)s earned this Open Badge from %(issuer)s.") % {"name": assertion.shown_name, "issuer": issuer}
    else:
        lead = _("An Open Badge issued by %(issuer)s.") % {"issuer": issuer}
    description = f"{lead} {strip_tags(badge.description)}".strip()
    return {
        "title": badge.name,
        "description": Truncator(description).chars(300),
        "image": preview_image_url(assertion),
        "image_alt": _("Badge: %(name)s") % {"name": badge.name},
        "url": ob.assertion_url(assertion),
        "site_name": "LearnerPass",
    }


def linkedin_add_url(assertion: Assertion) -> str:
    """LinkedIn's add-to-profile link for a certification: the badge as its name, the issuer's name, the
    month it was issued (and expires), and the share page with the assertion's id as the credential."""
    badge = assertion.badge
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": badge.name,
        "organizationName": badge.organisation.name,
        "issueYear": assertion.issued_on.year,
        "issueMonth": assertion.issued_on.month,
    }
    if assertion.expires:
        params["expirationYear"] = assertion.expires.year
        params["expirationMonth"] = assertion.expires.month
    params["certUrl"] = ob.assertion_url(assertion)
    params["certId"] = assertion.public_id
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"
