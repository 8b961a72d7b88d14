"""The import report: the refused rows as they were in the file, each with its reasons, and a
summary sheet. Written with xlsxwriter in constant-memory mode, one row at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.spreadsheet import neutralise_formula
from workgate.registry.importing.readers import Cell, text_of


class ErrorReport:
    """Open it, `add()` each bad row in file order, then `close(summary)`."""

    def __init__(self, path: Path, headers: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_numbers": False}
        )
        self.bold = self.book.add_format({"bold": True, "bg_color": "#EEEEEE"})
        self.wrap = self.book.add_format({"text_wrap": True, "font_color": "#9C0006"})
        # The summary comes first in the workbook but is written last; constant-memory mode
        # only needs each sheet's own rows in order.
        self.summary = self.book.add_worksheet(_("Summary"))
        self.sheet = self.book.add_worksheet(_("Rows with errors"))
        self.width = len(headers)
        self.sheet.write_row(0, 0, [_("Row"), *map(_cell, headers), _("Errors")], self.bold)
        self.sheet.set_column(0, 0, 6)
        self.sheet.set_column(1, self.width, 16)
        self.sheet.set_column(self.width + 1, self.width + 1, 60)
        self.sheet.freeze_panes(1, 1)
        self.next_row = 1

    def add(self, row_number: int, cells: list[Cell], reasons: list[str]) -> None:
        sheet, r = self.sheet, self.next_row
        sheet.write_number(r, 0, row_number)
        for c, cell in enumerate(cells[: self.width], start=1):
            text = _cell(cell)
            if text:
                sheet.write_string(r, c, text)
        sheet.write_string(r, self.width + 1, _cell("\n".join(reasons)), self.wrap)
        self.next_row += 1

    def close(self, summary: list[tuple[str, Any]]) -> None:
        summary = [(_("Written"), timezone.localtime().strftime("%Y-%m-%d %H:%M")), *summary]
        self.summary.set_column(0, 0, 28)
        self.summary.set_column(1, 1, 50)
        for r, (label, value) in enumerate(summary):
            self.summary.write_string(r, 0, str(label), self.bold)
            if isinstance(value, int):
                self.summary.write_number(r, 1, value)
            else:
                self.summary.write_string(r, 1, _cell(value))
        self.book.close()


def _cell(value: Cell) -> str:
    return neutralise_formula(text_of(value))
