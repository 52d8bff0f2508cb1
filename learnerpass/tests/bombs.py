"""Hostile uploads, built in memory: the files of issue 8 (finding 3) and a few more of the same kind.

Used by the tests (learnerpass/tests/test_upload_limits.py) and by bench/uploads.py. Each builder
streams its compressed parts, so building a 1 GB bomb never holds 1 GB.
"""

import io
import struct
import zipfile
import zlib

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"
_EMPTY_SST = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>'
)


def _xlsx(sheet_chunks, sst_chunks=None) -> bytes:
    """A minimal workbook whose sheet (and shared strings) are written from the given chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            for chunk in sst_chunks or [_EMPTY_SST]:
                part.write(chunk)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for chunk in sheet_chunks:
                part.write(chunk)
    return buffer.getvalue()


def xlsx_empty_rows(megabytes: int = 100) -> bytes:
    """About `megabytes` of empty rows (the 154 KB file that took 79 s and 1.87 GB)."""

    def chunks():
        yield _SHEET_HEAD
        block = b"<row/>" * 100_000
        for _ in range(megabytes * 1_048_576 // len(block)):
            yield block
        yield _SHEET_TAIL

    return _xlsx(chunks())


def xlsx_shared_strings(megabytes: int = 766) -> bytes:
    """Shared strings unpacking to `megabytes` (the 256 KB file that took 41 s and 766 MB)."""
    text = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    count = megabytes * 1_048_576 // len(text)

    def sst():
        yield (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
            % (count, count)
        )
        for _ in range(count // 1000):
            yield text * 1000
        yield b"</sst>"

    sheet = [_SHEET_HEAD, b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>', _SHEET_TAIL]
    return _xlsx(sheet, sst())


def xlsx_huge_cell(megabytes: int = 1024) -> bytes:
    """One cell unpacking to `megabytes` (the 1.5 MB file that died with MemoryError)."""

    def chunks():
        yield _SHEET_HEAD + b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        block = b"B" * 1_048_576
        for _ in range(megabytes):
            yield block
        yield b"</t></is></c></row>" + _SHEET_TAIL

    return _xlsx(chunks())


def xlsx_far_row() -> bytes:
    """A tiny sheet with one cell on the last row Excel allows: read naively, a million empty rows."""
    return _xlsx(
        [_SHEET_HEAD, b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>', _SHEET_TAIL]
    )


def xlsx_wide_rows(rows: int = 20_000) -> bytes:
    """Rows whose only cell sits in the last column (XFD): read naively, 16,384 cells a row."""

    def chunks():
        yield _SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:XFD%d"/><sheetData>' % (rows + 1))
        yield b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (r, r) for r in range(2, rows + 2))
        yield _SHEET_TAIL

    return _xlsx(chunks())


def xlsx_many_entries(count: int = 5000) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index in range(count):
            archive.writestr(f"junk/{index}.xml", b"<a/>")
    return buffer.getvalue()


def csv_rows(rows: int = 2_000_000) -> bytes:
    """A CSV under the upload limit with millions of tiny rows."""
    return b"a,b\n" + b"1,2\n" * rows


def png_dimensions(width: int = 12000, height: int = 12000) -> bytes:
    """A small PNG that declares width × height pixels (the 17 KB 12000 × 12000 logo)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\x00" * width  # filter byte + one grey byte per pixel
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
