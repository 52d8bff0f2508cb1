"""A small HTTP client for tests against a real server, as if behind the TLS-terminating proxy.

Requests go over plain HTTP to 127.0.0.1 with `X-Forwarded-Proto: https` (what the proxy adds), so
the app sees HTTPS: secure cookies, HSTS and CSRF's origin check all behave as in production. The
client keeps the cookies itself because a cookie marked Secure is never sent over plain HTTP.
"""

import re
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import requests

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class ProxiedClient:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.origin = "https://" + urlsplit(self.base).netloc
        self.cookies: dict[str, str] = {}
        self.http = requests.Session()

    def _headers(self, proxied: bool, extra: dict | None = None) -> dict:
        headers = {"Accept-Language": "en", **(extra or {})}
        if proxied:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep_cookies(self, response) -> None:
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, method, path, *, data=None, proxied=True, follow=True, allow_errors=False, headers=None):
        for _hop in range(6):
            response = self.http.request(
                method,
                self.base + path,
                data=data,
                headers=self._headers(proxied, headers),
                allow_redirects=False,
                timeout=30,
            )
            self._keep_cookies(response)
            if not (follow and response.is_redirect):
                break
            location = urlsplit(response.headers["Location"])
            path = location.path + (f"?{location.query}" if location.query else "")
            method, data, headers = "GET", None, None
        if not allow_errors:
            assert response.status_code == 200, f"{method} {path}: {response.status_code}\n{response.text[:2000]}"
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_form(self, path, form_page: str, data: dict, **kwargs):
        """POST a form as the browser would: with the CSRF token of the page and the site as origin."""
        token = CSRF_INPUT.search(self.get(form_page).text)
        assert token, f"no CSRF token on {form_page}"
        headers = {"Origin": self.origin, "Referer": self.origin + form_page}
        return self.request(
            "POST", path, data={"csrfmiddlewaretoken": token.group(1), **data}, headers=headers, **kwargs
        )

    def sign_in(self, email: str, password: str) -> None:
        page = self.post_form("/accounts/login/", "/accounts/login/", {"login": email, "password": password})
        assert email in page.text, f"sign-in as {email} failed:\n{page.text[:2000]}"

    def sign_out(self) -> None:
        self.post_form("/accounts/logout/", "/", {})
