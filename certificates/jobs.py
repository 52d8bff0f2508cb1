"""The background jobs of the certificates app (see jobs.registry)."""

from django.utils.translation import gettext_lazy as _

from certificates.services.bulk import KIND as BULK
from jobs.registry import Kind, register
from organisations.models import Role

register(
    Kind(
        name=BULK,
        title=_("Sending to the selected individuals"),
        progress=_("%(done)s of %(total)s done"),
        labels={"sent": _("sent"), "skipped": _("skipped")},
        roles=(Role.ORGANISER,),
    )
)
