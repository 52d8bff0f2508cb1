"""Load the demo data and follow every link each demo person can see: no page may fail.

A smoke test over the whole site: template errors, missing annotations and broken links
show up here even when each app's own tests build data differently.
"""

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

from organisations.demo import DEMO_PASSWORD, DEMO_PEOPLE

HREF = re.compile(r'href="([^"]+)"')
# The Content-Security-Policy allows no inline script, handler or style: no page may need one.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
INLINE_CODE = re.compile(r"""\s(on[a-z]+|style)\s*=\s*["']""", re.IGNORECASE)
SKIP = ("/accounts/logout", "/admin/", "/static/", "/media/", "/i18n/", "/dev/mailbox/")
MAX_PAGES = 250


def crawl(client, starts):
    seen, queue, failures = set(), deque(starts), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.streaming:
            # Reading a download to its end lets the test client close it (and its file).
            b"".join(response.streaming_content)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        # The dev mailbox shows emails (inline styles are theirs) in a sandboxed frame.
        if not url.startswith("/dev/mailbox/"):
            failures += [
                (url, f"inline: {m.group(0)}") for m in (*INLINE_SCRIPT.finditer(page), *INLINE_CODE.finditer(page))
            ]
        if "script-src 'self'" not in response.get("Content-Security-Policy", ""):
            failures.append((url, "no Content-Security-Policy"))
        for href in HREF.findall(page):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith(SKIP):
                continue
            if href not in seen:
                queue.append(href)
    return seen, failures


@pytest.fixture
def demo(db, settings):
    call_command("demo_data", verbosity=0)
    call_command("demo_data", verbosity=0)  # idempotent: a second run must not fail


@pytest.mark.parametrize("person", [*DEMO_PEOPLE, "anonymous"])
def test_every_page_a_demo_person_can_reach_renders(client, demo, person):
    if person != "anonymous":
        assert client.login(username=DEMO_PEOPLE[person][0], password=DEMO_PASSWORD)
    seen, failures = crawl(client, ["/", "/me/", "/o/demo/", "/catalogue/", "/org/demo/", "/verify/"])
    assert failures == []
    assert len(seen) > 5, seen
