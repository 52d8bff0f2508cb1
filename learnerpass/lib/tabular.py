"""Read an uploaded table (CSV or XLSX) the way spreadsheet programs export it.

Accepts UTF-8 with or without BOM, Windows-1252 (what Excel on Windows writes for
"CSV (Comma delimited)"), comma or semicolon, CRLF line ends, columns in any order
(matched by header name, case- and space-insensitive) and cells with surrounding
spaces. Anything else is refused with a TableError whose message is shown to the user.
"""

import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"


class TableError(Exception):
    pass


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number as the spreadsheet shows it, cells by column)
    # How a CSV's bytes were read ("UTF-8", "Windows-1252", "Latin-1"); "" for a workbook.
    encoding: str = ""

    def missing(self, required: list[str]) -> list[str]:
        return [name for name in required if name not in self.header]


def _normalise_header(cells) -> list[str]:
    return [str(cell or "").strip().lower().replace(" ", "_") for cell in cells]


def _clean(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_table(upload, *, max_bytes: int | None = None) -> Table:
    max_bytes = max_bytes or settings.MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise TableError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1_048_576, 1), "limit": max_bytes // 1_048_576}
        )
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TableError(_("The file is too large; the limit is %(limit)s MB.") % {"limit": max_bytes // 1_048_576})
    if not data.strip():
        raise TableError(_("The file is empty."))
    name = (getattr(upload, "name", "") or "").lower()
    if data.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        return _read_xlsx(data)
    return _read_csv(data)


def _refuse_binary(head: bytes) -> None:
    if b"\x00" in head[:4096]:
        raise TableError(_("This is not a CSV or XLSX table. Save the spreadsheet as CSV (UTF-8) or XLSX."))


def sniff_table(upload) -> None:
    """A quick look at the start of a big upload, so a non-table is refused before it is stored."""
    head = upload.read(65536)
    upload.seek(0)
    if head.startswith(XLSX_MAGIC):
        return
    _refuse_binary(head)
    first_line = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    if first_line.count(",") + first_line.count(";") < 1:
        raise TableError(_("This does not look like a table: the first row must name the columns."))


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the name of its encoding: valid UTF-8 first, else Windows-1252.

    Text that is not UTF-8 is almost always from Excel on Windows, which writes the
    Windows-1252 code page; the five bytes that code page leaves undefined can only be
    Latin-1. UTF-8 is tried first because it is the only one that can fail on other text.
    """
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _read_csv(data: bytes) -> Table:
    _refuse_binary(data)
    text, encoding = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = _normalise_header(next(reader))
    except (StopIteration, csv.Error):
        raise TableError(_("The file has no header row.")) from None
    if len([h for h in header if h]) < 2:
        raise TableError(_("This does not look like a table: the first row must name the columns."))
    rows = []
    try:
        for index, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            rows.append((index, _row_dict(header, cells)))
    except csv.Error as exc:
        raise TableError(_("The CSV could not be read: %(error)s") % {"error": exc}) from None
    return Table(header=header, rows=rows, encoding=encoding)


def _row_dict(header: list[str], cells) -> dict[str, str]:
    row = {}
    for name, value in zip(header, cells, strict=False):
        if name:
            row[name] = _clean(value)
    return row


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken file
        raise TableError(_("The XLSX file could not be opened. Is it a real Excel workbook?")) from None
    try:
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        try:
            header = _normalise_header(next(values))
        except StopIteration:
            raise TableError(_("The workbook's first sheet is empty.")) from None
        if len([h for h in header if h]) < 2:
            raise TableError(_("This does not look like a table: the first row must name the columns."))
        rows = []
        for index, cells in enumerate(values, start=2):
            if not any(_clean(cell) for cell in cells):
                continue
            rows.append((index, _row_dict(header, cells)))
    finally:
        workbook.close()
    return Table(header=header, rows=rows)
