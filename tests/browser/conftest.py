"""Browser tests: Playwright drives the system Chromium against live_server.

A screenshot of every failing test is saved under test-results/ (pytest-playwright's
--screenshot=only-on-failure, set in pytest.ini).
"""

import os

import pytest

from learnerpass.syscheck import CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def live_url(live_server, settings):
    """The live server's base URL; SITE_URL points there so links in emails work."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture(autouse=True)
def _page_timeouts(request):
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.set_default_timeout(15_000)
