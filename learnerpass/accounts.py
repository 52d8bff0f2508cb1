from allauth.account.adapter import DefaultAccountAdapter

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
