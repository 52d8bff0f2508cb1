"""A ZIP of stored PDFs, written to a file by the ZIP job (never built inside a request)."""

import shutil
import zipfile
from collections.abc import Callable, Iterable

CHUNK = 64 * 1024


def write_zip(certificates: Iterable, target, *, on_added: Callable[[], None] = lambda: None) -> None:
    # PDFs are compressed already; storing them keeps the CPU idle.
    with zipfile.ZipFile(target, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            with certificate.pdf.open("rb") as source, archive.open(certificate.filename, "w") as sink:
                shutil.copyfileobj(source, sink, CHUNK)
            on_added()
