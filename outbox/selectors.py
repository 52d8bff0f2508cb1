from django.db import models

from outbox.models import Email
from outbox.services import ref_of


def latest_emails_for(objects: list[models.Model]) -> dict[int, Email]:
    """The most recent email about each object, by object id, in one query."""
    if not objects:
        return {}
    ref_type, _ = ref_of(objects[0])
    ids = [obj.pk for obj in objects]
    latest: dict[int, Email] = {}
    for email in (
        Email.objects.filter(ref_type=ref_type, ref_id__in=ids)
        .order_by("ref_id", "created_at", "id")
        .only("id", "ref_id", "status", "attempts", "last_error", "sent_at", "created_at", "kind", "to")
    ):
        latest[email.ref_id] = email
    return latest
