from allauth.account import auth_backends
from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model

from learnerpass.lib.prepared import prepared
from outbox.services import email_queue_rendered


class AccountAdapter(DefaultAccountAdapter):
    """Account emails (confirmation, password reset, …) go through the outbox like every other email."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, ctx)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        text = message.body if message.content_subtype == "plain" else ""
        email_queue_rendered(
            to=email,
            subject=message.subject,
            body_text=text,
            body_html=html or (message.body if message.content_subtype == "html" else ""),
            kind="account:" + template_prefix.rsplit("/", 1)[-1],
        )


class AuthenticationBackend(auth_backends.AuthenticationBackend):
    """allauth's backend (an email or a username, and a password), reading the signed-in user with a
    prepared query: every page asks for it, and building the ORM's query cost more than running it."""

    def get_user(self, user_id):
        found = _user(int(user_id))
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None


@prepared
def _user(user_id):
    return get_user_model().objects.filter(pk=user_id)


BACKEND = f"{AuthenticationBackend.__module__}.{AuthenticationBackend.__qualname__}"
# The backends sessions named before this one: a session that names one is moved to it on its next
# request (SessionBackendUpgrade), so nobody is signed out.
EARLIER_BACKENDS = {"django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"}


class SessionBackendUpgrade:
    """Point sessions that name an earlier backend at the one backend there is now (before the
    authentication middleware reads it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(BACKEND_SESSION_KEY) in EARLIER_BACKENDS:
            request.session[BACKEND_SESSION_KEY] = BACKEND
        return self.get_response(request)
