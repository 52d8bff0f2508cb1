"""Steps a person takes, shared by the browser tests."""

import re

from django.test import override_settings

from outbox.models import Email
from outbox.services import render_email

URL_RE = re.compile(r"https?://[^\s<>\"']+")


def sign_in(page, live_url: str, email: str, password: str) -> None:
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password*", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def sign_up(page, live_url: str | None, email: str | None, password: str) -> None:
    """Fill allauth's sign-up form; with live_url None the page is already on it (email may be pre-filled)."""
    if live_url:
        page.goto(f"{live_url}/accounts/signup/")
    if email:
        page.get_by_label("Email").fill(email)
    page.get_by_label("Password*", exact=True).fill(password)
    page.get_by_label("Password (again)*", exact=True).fill(password)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()


def sign_out(page, live_url: str) -> None:
    page.goto(f"{live_url}/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()
    page.wait_for_load_state()


def email_links(to_email: str) -> list[str]:
    """The links in the latest email to that address (as its text body shows them)."""
    email = Email.objects.filter(to__iexact=to_email).order_by("-created_at", "-id").first()
    assert email is not None, f"no email to {to_email}"
    _, text, _ = render_email(email)
    return URL_RE.findall(text)


def open_latest_email(page, live_url: str, to_email: str) -> None:
    """Open the development mailbox and the latest email to that address, as a person would.

    The mailbox opens only with DEBUG on (a developer's machine, as `make run` gives); the test
    runner turns DEBUG off, so it is on just while the mailbox pages load.
    """
    with override_settings(DEBUG=True, DEV_MAILBOX=True):
        page.goto(f"{live_url}/dev/mailbox/?to={to_email}")
        page.locator("tbody tr").first.get_by_role("link").click()
        page.wait_for_load_state()


_axe = None


def assert_accessible(page, *, exclude: list[str] | None = None) -> None:
    """axe-core (axe-playwright-python) finds no serious or critical violation on the page as it is now."""
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    results = _axe.run(page, context=context)
    bad = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


def assert_fits_phone(page, *, width: int = 390) -> None:
    """At a phone's width the page needs no sideways scrolling (tables may scroll inside their own box)."""
    page.set_viewport_size({"width": width, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth")
    if overflow > width:
        # Name the widest culprits, so a failure says where to look.
        culprits = page.evaluate(
            """(width) => [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > width)
                .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
                .slice(0, 5)
                .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} `
                    + `${Math.round(el.getBoundingClientRect().right)}px: ${(el.textContent || '').trim().slice(0, 60)}`)""",
            width,
        )
        raise AssertionError(f"{page.url} is {overflow}px wide at {width}px: " + " | ".join(culprits))
