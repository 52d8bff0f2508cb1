"""Badge images: the generated default, checks on uploads, the SVG sanitiser and QR codes.

All pure functions over bytes; storing their output is the callers' business.
"""

import hashlib
import io
import os
import re
import tempfile
from xml.etree import ElementTree as ET  # noqa: S405 - DOCTYPE and entities are refused before parsing

import py_svg_hush
import segno
from django.utils.html import escape
from django.utils.translation import gettext as _

from badges.baking import PNG_SIGNATURE
from learnerpass.lib import images as lib_images

MAX_IMAGE_BYTES = 512 * 1024
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
PALETTE = ["#1f4e79", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#ef6c00", "#4527a0", "#37474f"]

MAX_SVG_DEPTH = 64
# After the sanitiser: any reference that is not to the image itself, CSS escapes (how `u\72l(` and
# `@\69mport` hid from the old filter), at-rules and schemes. What a badge needs survives: shapes,
# text, gradients and styles without outside references.
_HREF_ATTRS = {"href", f"{{{XLINK_NS}}}href"}
_RISKY_CSS = re.compile(r"\\|@|//|url\(\s*['\"]?(?!#)|expression|javascript", re.IGNORECASE)


class ImageError(ValueError):
    """The uploaded image is refused; the message is shown to the user."""


def colour_for(text: str) -> str:
    return PALETTE[hashlib.sha256(text.encode("utf-8")).digest()[0] % len(PALETTE)]


def initials(title: str) -> str:
    words = [w for w in re.split(r"\W+", title) if w]
    return "".join(w[0] for w in words[:2]).upper() or "B"


def default_svg(title: str, colour: str) -> bytes:
    """A clean round badge: the title's initials on the colour, the title beneath."""
    label = escape(title[:28] + ("…" if len(title) > 28 else ""))
    return (
        f'<svg xmlns="{SVG_NS}" width="400" height="400" viewBox="0 0 400 400" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
        f'<circle cx="200" cy="200" r="190" fill="{colour}"/>'
        '<circle cx="200" cy="200" r="170" fill="none" stroke="#ffffff" stroke-width="6" stroke-opacity="0.8"/>'
        '<text x="200" y="215" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="120" font-weight="bold" fill="#ffffff">{escape(initials(title))}</text>'
        '<text x="200" y="290" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="22" fill="#ffffff">{label}</text>'
        "</svg>"
    ).encode()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _check_structure(data: bytes) -> None:
    """Refuse, before any tree is built, a document whose root is not SVG's or that nests too deeply."""
    parser = ET.XMLPullParser(events=("start", "end"))
    depth = 0
    try:
        for offset in range(0, len(data), 65536):
            parser.feed(data[offset : offset + 65536])
            for event, element in parser.read_events():
                if event == "end":
                    depth -= 1
                    element.clear()
                    continue
                depth += 1
                if depth == 1 and element.tag != f"{{{SVG_NS}}}svg":
                    # An XHTML-rooted <h:svg> is a web page, not an image.
                    raise ImageError(_("This is not an SVG image."))
                if depth > MAX_SVG_DEPTH:
                    raise ImageError(
                        _("The SVG image nests its elements too deeply (more than %(n)s levels).")
                        % {"n": MAX_SVG_DEPTH}
                    )
        parser.close()
    except ET.ParseError:
        raise ImageError(_("The SVG file could not be read.")) from None


def sanitise_svg(data: bytes) -> bytes:
    """Rebuild an uploaded SVG so that it cannot run script or fetch anything.

    The maintained sanitiser (py-svg-hush) rebuilds the document from what it knows to be safe;
    before it, the root must be SVG's own and nesting shallow; after it, every reference that is
    not to the image itself and any risky CSS is dropped as well.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImageError(_("The SVG file is not UTF-8 text.")) from None
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        raise ImageError(_("SVG files with a DOCTYPE or entities are not accepted."))
    data = text.encode("utf-8")
    _check_structure(data)
    try:
        rebuilt = py_svg_hush.filter_svg(data)
    except ValueError:
        raise ImageError(_("The SVG file could not be read.")) from None
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    try:
        root = ET.fromstring(rebuilt)  # noqa: S314 - the sanitiser's output: no DOCTYPE, depth checked
    except ET.ParseError:
        raise ImageError(_("The SVG file could not be read.")) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ImageError(_("This is not an SVG image."))
    _drop_references(root)
    return ET.tostring(root, encoding="unicode").encode("utf-8")


def _drop_references(element) -> None:
    for child in list(element):
        if _local(child.tag) == "style" and _RISKY_CSS.search(child.text or ""):
            element.remove(child)
            continue
        _drop_references(child)
    for name in list(element.attrib):
        if _attribute_is_risky(name, element.attrib[name]):
            del element.attrib[name]


def _attribute_is_risky(name: str, value: str) -> bool:
    local = _local(name)
    if name in _HREF_ATTRS or local == "href":
        return not value.startswith("#")
    if local.startswith("on") or (local == "style" and _RISKY_CSS.search(value)):
        return True
    return "url(" in value.lower() and not re.fullmatch(r"\s*url\(\s*#[\w.-]+\s*\)\s*", value)


def check_png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise ImageError(_("This is not a PNG image."))
    try:
        _fmt, width, height = lib_images.inspect(data, formats={"PNG"})
    except lib_images.UploadedImageError as exc:
        message = str(exc)
        raise ImageError(message if "pixels" in message else _("The PNG image is damaged.")) from None
    if width > 2000 or height > 2000:
        raise ImageError(_("The image is too large: at most 2000 × 2000 pixels."))
    return data


def clean_upload(upload) -> tuple[bytes, str]:
    """Check an uploaded badge image; return (bytes to store, "png" or "svg")."""
    if upload.size and upload.size > MAX_IMAGE_BYTES:
        raise ImageError(_("The image is too large: at most %(kb)s KB.") % {"kb": MAX_IMAGE_BYTES // 1024})
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(_("The image is too large: at most %(kb)s KB.") % {"kb": MAX_IMAGE_BYTES // 1024})
    if data.startswith(PNG_SIGNATURE):
        return check_png(data), "png"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"\xef\xbb\xbf")):
        return sanitise_svg(data), "svg"
    raise ImageError(_("Upload a PNG or SVG image."))


PREVIEW_SIZE = 400
# The fonts of the generated image; other system fonts are not loaded (loading them all costs a quarter
# of a second per process, and a preview needs none of them).
FONT_DIRS = ["/usr/share/fonts/truetype/dejavu"]


def preview_png(data: bytes, kind: str) -> bytes:
    """The badge's picture as a PNG, for link previews (Open Graph, Twitter cards), which ignore SVG.

    Only sanitised SVG reaches here (an upload, or the generated image): its references are to itself or
    to embedded data, and an empty directory is given as the place to resolve any other, so nothing on
    the disk is read.
    """
    if kind == "png":
        return data
    import resvg_py

    fonts = [d for d in FONT_DIRS if os.path.isdir(d)]
    with tempfile.TemporaryDirectory() as nowhere:
        try:
            return resvg_py.svg_to_bytes(
                svg_string=data.decode("utf-8"),
                width=PREVIEW_SIZE,
                height=PREVIEW_SIZE,
                skip_system_fonts=bool(fonts),
                font_dirs=fonts or None,
                resources_dir=nowhere,
            )
        except ValueError as exc:
            raise ImageError(_("The image could not be drawn as PNG.")) from exc


def qr_code(url: str, kind: str) -> bytes:
    buffer = io.BytesIO()
    qr = segno.make(url, error="m")
    if kind == "png":
        qr.save(buffer, kind="png", scale=10, border=4)
    else:
        qr.save(buffer, kind="svg", scale=10, border=4, xmldecl=False)
    return buffer.getvalue()
