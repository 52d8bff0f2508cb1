"""Open Badges 3.0 credentials of assertions: revocation entries, signing on first request, revocation bits."""

from django.db import transaction

from badges import ob3
from badges.models import Assertion
from credentials import services as credentials


def allocate_status(assertions: list[Assertion], *, organisation) -> None:
    """Give each (not yet saved) assertion its revocation entry, in the issuing transaction: one query for any number."""
    entries = credentials.status_entries_allocate(organisation=organisation, count=len(assertions))
    for assertion, entry in zip(assertions, entries, strict=True):
        assertion.status_list_id = entry.status_list_id
        assertion.status_index = entry.index


def revoke_status(assertion: Assertion) -> None:
    """Flip the assertion's revocation bit, in the caller's (the revocation's) transaction."""
    if assertion.status_list_id is not None:
        credentials.status_set(status_list_id=assertion.status_list_id, index=assertion.status_index)


def assertion_credential_json(*, assertion: Assertion) -> str:
    """The assertion's signed OpenBadgeCredential as served: signed on first request, then kept.

    Editing the badge or the holder's evidence choice clears it, so the next request signs the
    current facts; credentials downloaded before stay valid (their signature covers what they say).
    """
    if assertion.credential:
        return assertion.credential
    assertion = _with_status_entry(assertion)
    document = ob3.assertion_credential(assertion, status_list_public_id=assertion.status_list.public_id)
    signed = credentials.dumps(
        credentials.credential_sign(organisation=assertion.badge.organisation, document=document)
    )
    # Two first requests may sign at once: the first to store its credential wins and both serve it.
    if not Assertion.objects.filter(pk=assertion.pk, credential="").update(credential=signed):
        return Assertion.objects.values_list("credential", flat=True).get(pk=assertion.pk) or signed
    return signed


def _with_status_entry(assertion: Assertion) -> Assertion:
    """Assertions issued before credentials existed get their entry now (and the bit, if already revoked)."""
    if assertion.status_list_id is not None:
        return assertion
    with transaction.atomic():
        locked = Assertion.objects.select_for_update().select_related("badge__organisation").get(pk=assertion.pk)
        if locked.status_list_id is None:
            allocate_status([locked], organisation=locked.badge.organisation)
            locked.save(update_fields=["status_list", "status_index"])
            if locked.is_revoked:
                revoke_status(locked)
    return Assertion.objects.select_related("badge__organisation", "status_list").get(pk=assertion.pk)
