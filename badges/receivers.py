"""What the badges app hears from django-allauth: thin adapters that call a service.

A QR code scanned on a phone starts a claim there; the person may create their account on the
phone and open the confirmation email on a laptop. The badge links they opened signed out are in
the phone's session, so they are recorded against the account when its confirmation email is
sent (at sign-up, or at a sign-in that needs the address confirmed); /me/ offers to continue.
"""

from allauth.account.signals import email_confirmation_sent
from django.dispatch import receiver

from badges import services
from badges.services.issuing import PENDING_CLAIMS_KEPT

SESSION_KEY = "badges_claim_codes"


def remember_in_session(request, code: str) -> None:
    """A signed-out visitor opened a badge link: keep its code in their session (the last few)."""
    codes = [c for c in request.session.get(SESSION_KEY, []) if c != code]
    request.session[SESSION_KEY] = [*codes, code][-PENDING_CLAIMS_KEPT:]


@receiver(email_confirmation_sent, dispatch_uid="badges_remember_link_claims")
def remember_link_claims(sender, request, confirmation, signup, **kwargs):
    codes = request.session.get(SESSION_KEY) if request is not None and hasattr(request, "session") else None
    user = getattr(getattr(confirmation, "email_address", None), "user", None)
    if codes and user is not None:
        services.link_claims_remember(user=user, codes=codes)
