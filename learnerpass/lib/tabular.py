"""Read an uploaded table (CSV or XLSX) the way spreadsheet programs export it.

Accepts UTF-8 with or without BOM, Windows-1252 (what Excel on Windows writes for
"CSV (Comma delimited)"), comma or semicolon, CRLF line ends, columns in any order
(matched by header name, case- and space-insensitive) and cells with surrounding
spaces. Anything else is refused with a TableError whose message is shown to the user.

Every upload has a bounded cost (issue 8: a 154 KB XLSX once took 79 s and 1.87 GB). An XLSX
is a ZIP: its entry count, each entry's declared uncompressed size and compression ratio are
checked before anything is opened (Python's zipfile never inflates past the declared size), no
part may carry a DOCTYPE, and the first sheet is streamed in openpyxl's read-only mode, at most
MAX_COLUMNS wide. For both formats reading stops at the row limit, and a table ends at
EMPTY_RUN_END empty rows in a row (a sheet padded to row 1,048,576 costs nothing).
"""

import csv
import io
import itertools
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
MAX_COLUMNS = 64
EMPTY_RUN_END = 1000
XLSX_MAX_ENTRIES = 500
XLSX_MAX_RATIO = 100  # uncompressed / compressed, for entries above XLSX_RATIO_FROM bytes
XLSX_RATIO_FROM = 1_048_576
XLSX_MAX_SHARED_STRINGS_BYTES = 32 * 1_048_576


def xlsx_limits(max_bytes: int) -> tuple[int, int]:
    """(largest entry, all entries) uncompressed: a sheet's XML is a few times the CSV it holds."""
    return 4 * max_bytes, 5 * max_bytes


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


def read_table(upload, *, max_bytes: int | None = None, max_rows: int | None = None) -> Table:
    """Read a CSV or XLSX upload; more than `max_rows` rows (default MAX_TABLE_ROWS) is a TableError."""
    max_bytes = max_bytes or settings.MAX_UPLOAD_BYTES
    max_rows = max_rows or settings.MAX_TABLE_ROWS
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
        return _read_xlsx(data, max_bytes=max_bytes, max_rows=max_rows)
    return _read_csv(data, max_rows=max_rows)


def _too_many_rows(max_rows: int) -> TableError:
    return TableError(
        _("The file has more than %(n)s rows. Split it and upload the parts one after the other.")
        % {"n": f"{max_rows:,}"}
    )


def _table_rows(rows_in, *, first_row: int, is_empty):
    """(row number, cells) of each non-empty row, until EMPTY_RUN_END empty rows in a row end the table."""
    empty_run = 0
    for index, cells in enumerate(rows_in, start=first_row):
        if is_empty(cells):
            empty_run += 1
            if empty_run >= EMPTY_RUN_END:
                return  # whatever follows a thousand empty rows is not read
            continue
        empty_run = 0
        yield index, cells


def _collect(header: list[str], rows_in, *, first_row: int, max_rows: int, is_empty, row_dict=None) -> list:
    """The rows as (row number, {column: text}); past `max_rows` rows a TableError, so memory stays bounded."""
    row_dict = row_dict or _row_dict
    rows = []
    for index, cells in _table_rows(rows_in, first_row=first_row, is_empty=is_empty):
        if len(rows) >= max_rows:
            raise _too_many_rows(max_rows)
        rows.append((index, row_dict(header, cells)))
    return rows


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


def _read_csv(data: bytes, *, max_rows: int) -> Table:
    _refuse_binary(data)
    text, encoding = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","

    def reader():
        return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def is_empty(cells):
        return not "".join(cells).strip()

    # A file past the row limit is refused before its rows are built. It can only be past it with more
    # lines than the limit (a record is at least one line), which is cheap to count; only then are the
    # records counted.
    if text.count("\n") > max_rows + 1:
        try:
            counted = _table_rows(reader(), first_row=1, is_empty=is_empty)
            if sum(1 for _ in itertools.islice(counted, max_rows + 2)) > max_rows + 1:
                raise _too_many_rows(max_rows)
        except csv.Error:
            pass  # reported with its row below
    rows_in = reader()
    try:
        header = _normalise_header(next(rows_in))
    except (StopIteration, csv.Error):
        raise TableError(_("The file has no header row.")) from None
    if len([h for h in header if h]) < 2:
        raise TableError(_("This does not look like a table: the first row must name the columns."))
    try:
        rows = _collect(header, rows_in, first_row=2, max_rows=max_rows, is_empty=is_empty, row_dict=_csv_row_dict)
    except csv.Error as exc:
        raise TableError(_("The CSV could not be read: %(error)s") % {"error": exc}) from None
    return Table(header=header, rows=rows, encoding=encoding)


def _csv_row_dict(header: list[str], cells: list[str]) -> dict[str, str]:
    """A CSV row's cells are text already: only trimmed (this runs 100,000 times for a big upload)."""
    return {name: value.strip() for name, value in zip(header, cells, strict=False) if name}


def _row_dict(header: list[str], cells) -> dict[str, str]:
    row = {}
    for name, value in zip(header, cells, strict=False):
        if name:
            row[name] = _clean(value)
    return row


def _check_xlsx_archive(data: bytes, *, max_bytes: int) -> None:
    """Refuse a ZIP bomb before openpyxl sees it: entry count, declared sizes, ratios, no DOCTYPE."""
    refused = TableError(
        _("This XLSX file unpacks to far more than its size. Save it again from your spreadsheet program, or as CSV.")
    )
    max_entry, max_total = xlsx_limits(max_bytes)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > XLSX_MAX_ENTRIES:
                raise TableError(_("This XLSX file has too many parts to be a table."))
            total = 0
            for entry in entries:
                total += entry.file_size
                if entry.file_size > max_entry or total > max_total:
                    raise refused
                if entry.file_size > XLSX_RATIO_FROM and entry.file_size > XLSX_MAX_RATIO * max(entry.compress_size, 1):
                    raise refused
                lowered = entry.filename.lower()
                if lowered.endswith("sharedstrings.xml") and entry.file_size > XLSX_MAX_SHARED_STRINGS_BYTES:
                    raise refused
                if lowered.endswith((".xml", ".rels")):
                    # A DOCTYPE can only come before the root element: the head of the part is enough.
                    with archive.open(entry) as part:
                        if b"<!doctype" in part.read(4096).lower():
                            raise TableError(_("The XLSX file could not be opened. Is it a real Excel workbook?"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        raise TableError(_("The XLSX file could not be opened. Is it a real Excel workbook?")) from None


def _read_xlsx(data: bytes, *, max_bytes: int, max_rows: int) -> Table:
    from openpyxl import load_workbook

    _check_xlsx_archive(data, max_bytes=max_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken file
        raise TableError(_("The XLSX file could not be opened. Is it a real Excel workbook?")) from None
    try:
        sheet = workbook.worksheets[0]
        # The declared dimensions are not trusted (they may claim 16,384 columns to pad every row).
        sheet.reset_dimensions()
        values = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        try:
            header = _normalise_header(next(values))
        except StopIteration:
            raise TableError(_("The workbook's first sheet is empty.")) from None
        if len([h for h in header if h]) < 2:
            raise TableError(_("This does not look like a table: the first row must name the columns."))
        rows = _collect(
            header, values, first_row=2, max_rows=max_rows, is_empty=lambda cells: not any(_clean(c) for c in cells)
        )
    except TableError:
        raise
    except Exception:  # a part openpyxl cannot parse half way through
        raise TableError(_("The XLSX file could not be read to its end. Is it a real Excel workbook?")) from None
    finally:
        workbook.close()
    return Table(header=header, rows=rows)
