"""Issue 8, finding 1: an uploaded SVG must never run script on the site's origin or fetch outside URLs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from badges import images
from badges.models import Assertion
from badges.services.issuing import assertion_issue
from badges.tests.conftest import publish_activity

# The document that took over another organisation: XHTML-rooted, a frameset whose frame's src
# is `javascript:` with a tab in it (which defeated the old check).
XHTML_ROOTED = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<h:svg xmlns:h="http://www.w3.org/1999/xhtml" xmlns="http://www.w3.org/2000/svg">'
    b"<h:frameset><h:frame src=\"java&#9;script:fetch('/o/other/members/')\"/></h:frameset></h:svg>"
)
# CSS escapes hid url( and @import from the old filter; the browser then fetched outside URLs.
CSS_ESCAPES = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">'
    b"<style>@\\69mport 'https://evil.test/a.css'; circle { fill: u\\72l(https://evil.test/track.png) }</style>"
    b'<circle r="40" cx="50" cy="50" style="fill: u\\72l(https://evil.test/b.png)"/>'
    b'<a href="java&#9;script:alert(1)"><text y="20">hi</text></a>'
    b'<image xlink:href="file:///etc/passwd" width="5" height="5"/>'
    b'<rect width="10" height="10" fill="url(#grad)"/>'
    b"</svg>"
)


def nested_groups(depth: int) -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * depth + b"</g>" * depth + b"</svg>"


@pytest.fixture
def badge(org, organiser):
    return publish_activity(org, organiser).badge


def upload(client, org, badge, data: bytes, name="badge.svg"):
    url = reverse("badges:badge_edit", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    return client.post(
        url,
        {
            "name": badge.name,
            "description": "d",
            "criteria": "",
            "expiry": "never",
            "expires_after_unit": "months",
            "alignment-TOTAL_FORMS": "0",
            "alignment-INITIAL_FORMS": "0",
            "image": SimpleUploadedFile(name, data),
        },
    )


def test_an_xhtml_rooted_svg_is_refused_with_a_message_and_nothing_is_stored(login, org, organiser, badge):
    response = upload(login(organiser), org, badge, XHTML_ROOTED)

    assert response.status_code == 200
    assert b"This is not an SVG image." in response.content
    badge.refresh_from_db()
    assert not badge.image


def test_css_escapes_and_script_urls_are_gone_from_the_stored_and_the_baked_image(
    client, login, org, organiser, learner, badge
):
    upload(login(organiser), org, badge, CSS_ESCAPES)
    badge.refresh_from_db()
    assertion, _ = assertion_issue(badge=badge, user=learner, source=Assertion.Source.EMAIL)
    client.logout()

    # One anonymous request bakes it, as in the report.
    baked = client.get(reverse("badges:assertion_image", kwargs={"public_id": assertion.public_id}))

    with badge.image.open("rb") as stored_file:
        stored = stored_file.read()
    for data in (stored, baked.content):
        lowered = data.lower()
        for bad in (b"\\", b"evil.test", b"import", b"javascript", b"script", b"/etc/passwd", b"file:"):
            assert bad not in lowered, bad
        assert b"<circle" in data and b'fill="url(#grad)"' in data
    assert baked["Content-Type"] == "image/svg+xml"
    assert baked["X-Content-Type-Options"] == "nosniff"
    assert baked["Content-Security-Policy"].startswith("sandbox; default-src 'none'")


def test_an_svg_nesting_3000_groups_is_a_form_error_not_a_server_error(login, org, organiser, badge):
    response = upload(login(organiser), org, badge, nested_groups(3000))

    assert response.status_code == 200
    assert b"nests its elements too deeply" in response.content


def test_a_modest_nesting_is_accepted():
    assert b"<g>" in images.sanitise_svg(nested_groups(20)) or b"<g" in images.sanitise_svg(nested_groups(20))


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></svg>',
        b"<svg><circle r='1'/></svg>",  # no namespace: not an SVG document
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body onload="alert(1)"/></html>',
    ],
)
def test_documents_that_are_not_svg_in_svg_s_namespace_are_refused(data):
    with pytest.raises(images.ImageError):
        images.sanitise_svg(data)


def test_the_badge_image_view_serves_with_sandboxing_headers(client, org, organiser, badge, login):
    upload(login(organiser), org, badge, CSS_ESCAPES)

    response = client.get(reverse("badges:badge_image", kwargs={"public_id": badge.public_id}))

    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"evil.test" not in response.content


def test_a_png_declaring_huge_dimensions_is_refused_with_a_message():
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")

    with pytest.raises(images.ImageError, match="too large"):
        images.clean_upload(SimpleUploadedFile("big.png", data))
