from django.db.models import F

from credentials.models import SigningKey
from organisations.models import Organisation


def public_keys(*, organisation: Organisation) -> list[str]:
    """Every key the organisation signed with, the active one first: retired keys stay listed."""
    keys = SigningKey.objects.filter(organisation=organisation).order_by(
        F("retired_at").desc(nulls_first=True), "-created_at", "-id"
    )
    return list(keys.values_list("public_key_multibase", flat=True))
