"""The kinds of background job the badges app starts (see jobs.registry)."""

from django.utils.translation import gettext_lazy as _

from jobs.registry import Kind, register
from organisations.models import Role

PLAYLIST_ISSUE = register(
    Kind(
        name="badges.playlist_issue",
        title=_("Issuing the playlist badge to those who already completed it"),
        progress=_("%(done)s of %(total)s checked"),
        labels={"issued": _("issued"), "skipped": _("skipped")},
        roles=(Role.ORGANISER,),
    )
)

BAKE = register(
    Kind(
        name="badges.bake",
        title=_("Baking badge images"),
        progress=_("%(done)s of %(total)s baked"),
        labels={"baked": _("baked"), "skipped": _("skipped")},
        roles=(Role.ORGANISER,),
    )
)
