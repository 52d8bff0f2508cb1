import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from badges import baking, images


def png_bytes(size=64, colour=(31, 78, 121)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_baking_a_png_then_extracting_gives_the_same_assertion():
    payload = '{"id": "https://example.test/ob/assertions/abc", "name": "Größe ✓"}'

    baked = baking.bake_png(png_bytes(), payload)

    assert baking.unbake(baked) == payload
    assert Image.open(io.BytesIO(baked)).size == (64, 64)  # still a valid PNG


def test_baking_a_png_twice_keeps_only_the_latest_assertion():
    once = baking.bake_png(png_bytes(), "first")
    twice = baking.bake_png(once, "second")

    assert baking.unbake(twice) == "second"
    assert twice.count(b"iTXtopenbadges") == 1


def test_baking_an_svg_then_extracting_gives_the_same_assertion():
    payload = '{"id": "https://example.test/a", "narrative": "tricky ]]> text & <tags>"}'

    baked = baking.bake_svg(images.default_svg("Forest first aid", "#2e7d32"), payload, "https://example.test/a")

    assert baking.unbake(baked) == payload
    assert b'xmlns:openbadges="http://openbadges.org"' in baked
    assert b'verify="https://example.test/a"' in baked


def test_an_unbaked_image_has_no_assertion():
    assert baking.unbake(png_bytes()) is None
    assert baking.unbake(images.default_svg("X", "#000000")) is None


def test_a_png_with_a_broken_chunk_is_refused():
    with pytest.raises(baking.BakingError):
        baking.bake_png(png_bytes()[:40], "x")


def test_the_default_image_shows_the_initials_of_the_title():
    svg = images.default_svg("Forest <first> aid", "#2e7d32")

    assert b">FF</text>" in svg
    assert b"&lt;first&gt;" in svg
    assert b"<script" not in svg


def test_the_svg_sanitiser_removes_scripts_handlers_and_outside_references():
    dirty = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">
      <script>alert(1)</script>
      <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
      <image xlink:href="https://evil.test/track.png" width="10" height="10"/>
      <use href="#ok"/>
      <rect id="ok" width="5" height="5" onclick="steal()" style="fill:url(https://evil.test/x)"/>
      <style>@import url(https://evil.test/a.css);</style>
    </svg>"""

    clean = images.sanitise_svg(dirty)

    for bad in (b"script", b"foreignObject", b"onload", b"onclick", b"evil.test", b"@import"):
        assert bad not in clean
    assert b'href="#ok"' in clean
    assert b"<rect" in clean


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "boom">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        b"<svg xmlns='http://www.w3.org/2000/svg'><unclosed></svg>",
        b"<html><body>not svg</body></html>",
    ],
)
def test_bad_svg_files_are_refused(data):
    with pytest.raises(images.ImageError):
        images.clean_upload(SimpleUploadedFile("badge.svg", data))


def test_other_image_types_and_oversize_files_are_refused():
    with pytest.raises(images.ImageError, match="PNG or SVG"):
        images.clean_upload(SimpleUploadedFile("badge.gif", b"GIF89a" + b"\0" * 20))
    with pytest.raises(images.ImageError, match="too large"):
        images.clean_upload(SimpleUploadedFile("badge.png", b"\x89PNG" + b"\0" * images.MAX_IMAGE_BYTES))
    with pytest.raises(images.ImageError, match="damaged"):
        images.clean_upload(SimpleUploadedFile("badge.png", b"\x89PNG\r\n\x1a\n" + b"garbage"))


def test_an_uploaded_png_is_kept_as_is():
    data = png_bytes()

    assert images.clean_upload(SimpleUploadedFile("b.png", data)) == (data, "png")


def test_qr_codes_are_real_png_and_svg():
    assert images.qr_code("https://example.test/badges/claim/abc/", "png").startswith(b"\x89PNG")
    assert b"<svg" in images.qr_code("https://example.test/badges/claim/abc/", "svg")
