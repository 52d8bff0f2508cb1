"""Links belong to their address: the one rule every emailed link follows, and its confirm step.

A link emailed to an address gives its effect to the account that owns that address. Following
the link proves control of the address, so a person signed in with another account may add the
address to that account (a verified address, through allauth's multiple addresses) and accept, or
sign out and continue. When another account already owns the address, accepting is refused.

The services that accept a link (member and program invitations, connect and edit links, badges
claimed by email) call `require_link_address` inside their transaction; the views build their
confirm page from `link_visitor` and templates/_link_visitor.html.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from learnerpass.lib.actions import UserError

# What the visitor may do on the confirm page (link_visitor's "link_state").
SIGNED_OUT = "signed_out"
OWNER = "owner"  # the signed-in account owns the address: the usual confirm button
UNCLAIMED = "unclaimed"  # no account owns it: add it to this account and accept, or sign out
OTHER_OWNER = "other_owner"  # another account owns it: sign out and sign in with that one

ADD_ADDRESS_FIELD = "add_address"


def normalise(email: str) -> str:
    return (email or "").strip().lower()


def address_owner_id(email: str) -> int | None:
    """The id of the account that owns the address, or None.

    An account owns the addresses it has verified. An account made outside allauth (the admin,
    createsuperuser) has no address rows at all; its own email counts as its address.
    An unverified address proves nothing: whoever follows the link may still claim it.
    """
    email = normalise(email)
    if not email:
        return None
    owner = EmailAddress.objects.filter(email__iexact=email, verified=True).values_list("user_id", flat=True).first()
    if owner is not None:
        return owner
    return (
        get_user_model()
        .objects.filter(email__iexact=email, emailaddress__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def link_state(user, email: str) -> str:
    if user is None or not user.is_authenticated:
        return SIGNED_OUT
    owner = address_owner_id(email)
    if owner == user.pk:
        return OWNER
    return OTHER_OWNER if owner is not None else UNCLAIMED


def other_owner_message(email: str) -> str:
    return _(
        "This link was sent to %(email)s, and that address belongs to another account. "
        "Sign out, then sign in with the account of %(email)s to accept."
    ) % {"email": email}


def unclaimed_message(email: str) -> str:
    return _(
        "This link was sent to %(email)s, which is not an address of your account. "
        "Add it to your account to accept, or sign out and continue with %(email)s."
    ) % {"email": email}


def require_link_address(*, user, email: str, add_address: bool, error: type[UserError]) -> None:
    """Let `user` act on a link sent to `email`, or raise `error` (the calling app's UserError).

    With add_address, an address nobody owns becomes a verified address of `user`: the person
    followed a link that only reached that mailbox. Call it inside the accepting transaction,
    after the link itself was found usable, so a refused link adds no address.
    """
    email = normalise(email)
    state = link_state(user, email)
    if state == OWNER:
        return
    if state == OTHER_OWNER:
        raise error(other_owner_message(email))
    if not add_address:
        raise error(unclaimed_message(email))
    try:
        with transaction.atomic():
            row = EmailAddress.objects.filter(user=user, email__iexact=email).first()
            if row is None:
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=False)
            elif not row.verified:
                row.verified = True
                row.save(update_fields=["verified"])
    except IntegrityError:
        # Another account verified the address a moment ago (unique_verified_email).
        raise error(other_owner_message(email)) from None


def wants_address_added(request) -> bool:
    """The confirm page's "add the address to my account and accept" button was pressed."""
    return request.POST.get(ADD_ADDRESS_FIELD) == "1"


def link_visitor(request, invited_email: str) -> dict:
    """Context for templates/_link_visitor.html.

    A signed-out visitor gets sign-in/sign-up links that come back here with the invited
    address pre-filled; following the link proved that address, so allauth treats it as
    verified at sign-up. A signed-in visitor who does not own the address is told, and offered
    what the rule allows (see the module docstring).
    """
    state = link_state(request.user, invited_email)
    context = {"invited_email": invited_email, "link_state": state, "add_address_field": ADD_ADDRESS_FIELD}
    if state == SIGNED_OUT:
        request.session["account_verified_email"] = invited_email
        context["auth_query"] = urlencode({"next": request.path, "email": invited_email})
    return context
