from django.db import models

from outbox.models import Email
from outbox.services import ref_of

STATUS_FIELDS = (
    "id",
    "ref_id",
    "status",
    "attempts",
    "last_error",
    "sent_at",
    "next_attempt_at",
    "created_at",
    "kind",
    "to",
)


def latest_emails_for(objects: list[models.Model], *, with_context: bool = False) -> dict[int, Email]:
    """The most recent email about each object, by object id, in one query.

    with_context also loads what the email was rendered from (e.g. the link it carried).
    """
    if not objects:
        return {}
    ref_type, _ = ref_of(objects[0])
    fields = (*STATUS_FIELDS, "context") if with_context else STATUS_FIELDS
    emails = Email.objects.filter(ref_type=ref_type, ref_id__in=[obj.pk for obj in objects])
    # Ordered oldest first, so the last one seen per object is its latest.
    return {email.ref_id: email for email in emails.order_by("ref_id", "created_at", "id").only(*fields)}
