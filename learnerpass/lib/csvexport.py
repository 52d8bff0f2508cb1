"""CSV downloads that spreadsheet programs open safely."""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

from learnerpass.lib.filenames import name_download

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Stream rows as a CSV attachment, each cell neutralised, with a BOM for Excel."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([neutralise(cell) for cell in header])
        for row in rows:
            yield writer.writerow([neutralise(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    return name_download(response, filename)
