from django.db import models

from learnerpass.lib.bulk import one_of
from learnerpass.lib.prepared import prepared
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
    emails = _LATEST_WITH_CONTEXT if with_context else _LATEST
    return {email.ref_id: email for email in emails(ref_type, [obj.pk for obj in objects])}


def _emails_about(*fields):
    """The emails about some objects of a type, oldest first (so the last one seen per object is its
    latest): a prepared query, as every list of invitations, individuals or holders shows them."""

    @prepared
    def emails(ref_type, ref_ids):
        return (
            Email.objects.filter(ref_type=ref_type, **one_of("ref_id", ref_ids))
            .order_by("ref_id", "created_at", "id")
            .only(*fields)
        )

    return emails


_LATEST = _emails_about(*STATUS_FIELDS)
_LATEST_WITH_CONTEXT = _emails_about(*STATUS_FIELDS, "context")
