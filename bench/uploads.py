"""What each hostile upload costs the server: seconds and extra memory until it is refused.

.venv/bin/python bench/uploads.py

Builds each bomb of issue 8 (finding 3) at full size in memory, then hands it to the code that
reads uploads (learnerpass.lib.tabular.read_table for tables, learnerpass.lib.images.inspect
for logos and badge images). Extra memory is the peak resident size during the read minus the
resident size before it (the peak is reset through /proc/self/clear_refs before each bomb).
Needs nothing but the project (SQLite settings, no database access).

Last line: `uploads xlsx_rows_s=… xlsx_rows_mb=… … png_logo_s=… png_logo_mb=…` (target: every
bomb refused, each under 2 s and 100 MB).
"""

import contextlib
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnerpass.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from learnerpass.lib import images  # noqa: E402
from learnerpass.lib.tabular import TableError, read_table  # noqa: E402
from learnerpass.tests import bombs  # noqa: E402


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def measure(read) -> tuple[float, float, str]:
    gc.collect()
    _reset_peak()
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    try:
        read()
        outcome = "ACCEPTED"
    except (TableError, images.UploadedImageError) as exc:
        outcome = f"refused: {exc}"
    seconds = time.perf_counter() - started
    extra_mb = max(_status_kb("VmHWM") - before, 0) / 1024
    return seconds, extra_mb, outcome


def main() -> None:
    cases = [
        ("xlsx_rows", "100 MB of empty rows", bombs.xlsx_empty_rows, "table.xlsx"),
        ("xlsx_strings", "766 MB of shared strings", bombs.xlsx_shared_strings, "table.xlsx"),
        ("xlsx_cell", "1 GB in one cell", bombs.xlsx_huge_cell, "table.xlsx"),
        ("xlsx_far_row", "one cell on row 1,048,576", bombs.xlsx_far_row, "table.xlsx"),
        ("xlsx_wide", "20,000 rows, one cell each in column XFD", bombs.xlsx_wide_rows, "table.xlsx"),
        ("xlsx_parts", "5,000 ZIP entries", bombs.xlsx_many_entries, "table.xlsx"),
        ("csv_rows", "2,000,000 tiny CSV rows", bombs.csv_rows, "table.csv"),
        ("png_logo", "PNG declaring 12000 × 12000 pixels", bombs.png_dimensions, "logo.png"),
    ]
    figures = []
    for key, label, build, name in cases:
        data = build()
        if name.endswith(".png"):

            def read(data=data):
                images.inspect(data, formats={"PNG", "JPEG", "WEBP"})

        else:

            def read(data=data, name=name):
                table = read_table(SimpleUploadedFile(name, data))
                if not table.rows:
                    raise TableError("no rows (read to its end and found empty)")

        seconds, extra_mb, outcome = measure(read)
        print(f"{key:13} {len(data) / 1024:9.0f} KB  {label:42} {seconds:6.2f} s {extra_mb:7.1f} MB  {outcome[:70]}")
        figures.append(f"{key}_s={seconds:.2f} {key}_mb={extra_mb:.0f}")
        del data
    print("uploads " + " ".join(figures))


if __name__ == "__main__":
    main()
