"""Bake an Open Badges assertion into a PNG or SVG image, and read it back.

PNG: an iTXt chunk with the keyword "openbadges" just before IEND (Baking
Specification 2.0). SVG: an `openbadges:assertion` element with the JSON in CDATA
and its URL in `verify`, first child of the root element.
"""

import re
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadges"
OB_NS = "http://openbadges.org"


class BakingError(ValueError):
    pass


def _chunks(data: bytes):
    if not data.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image")
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise BakingError("truncated PNG chunk")
        yield kind, data[pos + 8 : pos + 8 + length], data[pos:end]
        pos = end
        if kind == b"IEND":
            return
    raise BakingError("PNG without IEND")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _is_openbadges_itxt(kind: bytes, body: bytes) -> bool:
    return kind == b"iTXt" and body.split(b"\0", 1)[0] == KEYWORD


def bake_png(image: bytes, payload: str) -> bytes:
    """Return the PNG with `payload` (assertion JSON or URL) baked in; an earlier bake is replaced."""
    # keyword, NUL, compression flag 0, method 0, empty language tag and translated keyword
    body = KEYWORD + b"\0\0\0\0\0" + payload.encode("utf-8")
    out = [PNG_SIGNATURE]
    for kind, chunk_body, raw in _chunks(image):
        if _is_openbadges_itxt(kind, chunk_body):
            continue
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", body))
        out.append(raw)
    return b"".join(out)


def unbake_png(image: bytes) -> str | None:
    for kind, body, _raw in _chunks(image):
        if _is_openbadges_itxt(kind, body):
            _keyword, rest = body.split(b"\0", 1)
            compressed, _method = rest[0], rest[1]
            _language, rest = rest[2:].split(b"\0", 1)
            _translated, text = rest.split(b"\0", 1)
            return (zlib.decompress(text) if compressed else text).decode("utf-8")
        if kind == b"tEXt" and body.split(b"\0", 1)[0] == KEYWORD:
            return body.split(b"\0", 1)[1].decode("latin-1")
    return None


_ROOT_RE = re.compile(rb"<svg\b[^>]*?(/?)>", re.IGNORECASE)
_BAKED_RE = re.compile(rb"<openbadges:assertion\b.*?(?:</openbadges:assertion>|/>)", re.DOTALL)


def bake_svg(image: bytes, payload_json: str, verify_url: str) -> bytes:
    """Return the SVG with the assertion baked in (`image` is our sanitised or generated SVG)."""
    image = _BAKED_RE.sub(b"", image)
    match = _ROOT_RE.search(image)
    if match is None:
        raise BakingError("not an SVG image")
    # CDATA cannot hold "]]>"; split it across two sections.
    cdata = payload_json.replace("]]>", "]]]]><![CDATA[>")
    verify = verify_url.replace("&", "&amp;").replace('"', "&quot;")
    element = f'<openbadges:assertion verify="{verify}"><![CDATA[{cdata}]]></openbadges:assertion>'.encode()
    tag = match.group(0)
    if b"xmlns:openbadges" not in tag:
        insert_at = len(tag) - (2 if match.group(1) else 1)
        tag = tag[:insert_at] + f' xmlns:openbadges="{OB_NS}"'.encode() + tag[insert_at:]
    if match.group(1):  # a self-closing empty <svg/>
        tag = tag[:-2] + b">" + element + b"</svg>"
    else:
        tag = tag + element
    return image[: match.start()] + tag + image[match.end() :]


def unbake_svg(image: bytes) -> str | None:
    match = re.search(rb"<openbadges:assertion\b([^>]*?)(/>|>(.*?)</openbadges:assertion>)", image, re.DOTALL)
    if match is None:
        return None
    content = (match.group(3) or b"").strip()
    if content:
        text = content.decode("utf-8")
        return re.sub(r"<!\[CDATA\[(.*?)\]\]>", lambda m: m.group(1), text, flags=re.DOTALL)
    verify = re.search(rb'verify="([^"]*)"', match.group(1))
    return verify.group(1).decode("utf-8").replace("&amp;", "&") if verify else None


def unbake(image: bytes) -> str | None:
    if image.startswith(PNG_SIGNATURE):
        return unbake_png(image)
    return unbake_svg(image)
