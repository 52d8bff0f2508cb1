"""The background jobs of the certificates app: rendering PDFs and building a project's ZIP (see jobs.registry)."""

from django.utils.translation import gettext_lazy as _

from jobs.registry import Kind, register
from organisations.models import Role

RENDER = "certificates.render"
ZIP = "certificates.zip"

register(
    Kind(
        name=RENDER,
        title=_("Rendering certificates"),
        progress=_("%(done)s of %(total)s rendered"),
        labels={"rendered": _("rendered"), "skipped": _("skipped"), "failed": _("failed")},
        roles=(Role.ORGANISER,),
    )
)
register(
    Kind(
        name=ZIP,
        title=_("Preparing the ZIP of all PDFs"),
        progress=_("%(done)s of %(total)s PDFs added"),
        labels={"added": _("PDFs added")},
        roles=(Role.ORGANISER,),
    )
)
