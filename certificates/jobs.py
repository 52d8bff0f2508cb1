"""The background jobs of the certificates app (see jobs.registry).

Names only here, no services: the services import these names, and this module is imported at start-up.
"""

from django.utils.translation import gettext_lazy as _

from jobs.registry import Kind, register
from organisations.models import Role

BULK = "certificates.bulk"  # certificates.services.bulk.KIND
RENDER = "certificates.render"
ZIP = "certificates.zip"

register(
    Kind(
        name=BULK,
        title=_("Sending to the selected individuals"),
        progress=_("%(done)s of %(total)s done"),
        labels={"sent": _("sent"), "skipped": _("skipped")},
        roles=(Role.ORGANISER,),
    )
)
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
