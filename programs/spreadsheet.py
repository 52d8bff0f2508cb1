"""The invitation template as an Excel workbook: a pure function of the codes it lists."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font

TEXT = "@"  # Excel's "Text" number format: what is typed stays as typed.
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class CodeLine:
    program_code: str
    program_name: str
    program_kind: str
    run_code: str
    run_name: str
    starts_on: date
    ends_on: date


def _put(sheet, row: int, column: int, value, *, bold: bool = False):
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        # A code such as "=A1" stays text: openpyxl would otherwise write it as a formula.
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def invitation_template_xlsx(*, columns: Sequence[str], codes: Sequence[CodeLine], example: Sequence[str]) -> bytes:
    """Two sheets: the invitation columns with one example row, and the codes the person may use.

    Every invitation column is formatted as text, so Excel keeps a learner ID's leading zeros
    and an expiry typed as YYYY-MM-DD HH:MM:SS instead of turning them into numbers and dates.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Invitations")
    notes = {
        "external_learner_id": _("Your student or employee ID of the learner."),
        "email": _("Where the invitation is sent."),
        "program_code": _("A program code from the sheet “%(sheet)s”.") % {"sheet": _("Codes")},
        "program_run_code": _("A run code of that program; one row per run."),
        "expiry_time": _("When the invitation expires, in UTC, written as YYYY-MM-DD HH:MM:SS."),
    }
    for index, name in enumerate(columns, start=1):
        cell = _put(sheet, 1, index, name, bold=True)
        if name in notes:
            cell.comment = Comment(notes[name], "LearnerPass")
        letter = cell.column_letter
        sheet.column_dimensions[letter].number_format = TEXT
        sheet.column_dimensions[letter].width = max(len(name), 20) + 2
    for index, value in enumerate(example, start=1):
        _put(sheet, 2, index, value).number_format = TEXT
    sheet.freeze_panes = "A2"

    listing = workbook.create_sheet(_("Codes"))
    headings = ["program_code", "program_name", "program_kind", "program_run_code", "run_name", "starts_on", "ends_on"]
    for index, name in enumerate(headings, start=1):
        _put(listing, 1, index, name, bold=True)
        listing.column_dimensions[listing.cell(row=1, column=index).column_letter].width = 22
    for row, line in enumerate(codes, start=2):
        values = [
            line.program_code,
            line.program_name,
            line.program_kind,
            line.run_code,
            line.run_name,
            line.starts_on.isoformat(),
            line.ends_on.isoformat(),
        ]
        for index, value in enumerate(values, start=1):
            _put(listing, row, index, value).number_format = TEXT
    if not codes:
        _put(listing, 2, 1, _("You may invite to no open run yet: add a run or open one first."))
    listing.freeze_panes = "A2"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
