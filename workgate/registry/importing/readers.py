"""Reading an uploaded roster, whatever it is: xlsx / xls (python-calamine) or delimited text.

The kind is told from the file's first bytes, not its name (people rename files). Text files
are CSV as Chinese Excel writes them: GBK/GB18030 unless saved as "CSV UTF-8" (with a BOM),
UTF-16 when saved as "Unicode text" (tab-separated), and sometimes tabs or semicolons instead
of commas. Rows are streamed: `iter_rows()` yields one row at a time with its row number as
Excel shows it (1-based, title and header rows counted).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine
from django.utils.translation import gettext as _

Cell = Any  # str, float, int, bool, datetime.date / datetime, or "" for an empty cell

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DELIMITERS = (",", "\t", ";")


class ImportFileError(Exception):
    """The file cannot be read as a roster; the message says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class FileInfo:
    kind: str  # "xlsx", "xls" or "csv"
    encoding: str | None = None  # text files only
    delimiter: str | None = None


def _not_a_roster() -> ImportFileError:
    return ImportFileError(
        _("This file is not an Excel or CSV file. Save it from Excel as .xlsx, .xls or .csv.")
    )


def detect_encoding(path: Path) -> str:
    """The encoding of a text file: a BOM if there is one, else UTF-8 if every byte decodes as
    UTF-8, else GB18030 (a superset of GBK and GB2312, which Chinese Excel writes).

    A wrong guess between UTF-8 and GBK is all that matters here, and valid UTF-8 with Chinese
    text is practically never valid GBK by accident (nor the reverse), so no statistical
    detector is needed. The whole file is checked, in chunks: an ASCII header followed by GBK
    names further down must not pass as UTF-8.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _looks_binary(head: bytes) -> bool:
    return b"\x00" in head


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines most, and most evenly."""
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines if line.strip()]
        if not counts or max(counts) == 0:
            continue
        # Title rows have few cells; the header and data agree. Reward the commonest count.
        common = max(set(counts), key=counts.count)
        score = common * counts.count(common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def inspect(path: Path) -> FileInfo:
    """What kind of file this is; raise ImportFileError if it is none we read."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise ImportFileError(_("The file cannot be opened: %(reason)s") % {"reason": exc}) from exc
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    if head.startswith(ZIP_MAGIC):
        return FileInfo("xlsx")
    if head.startswith(OLE_MAGIC):
        return FileInfo("xls")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif _looks_binary(head):
        raise _not_a_roster()
    else:
        encoding = detect_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        lines = [line for _, line in zip(range(30), fh, strict=False)]
    return FileInfo("csv", encoding=encoding, delimiter=_sniff_delimiter(lines))


def _open_sheet(path: Path) -> python_calamine.CalamineSheet:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise ImportFileError(
            _(
                "The file is protected by a password. Open it in Excel, remove the password "
                "(File → Info → Protect Workbook) and upload it again."
            )
        ) from exc
    except (python_calamine.CalamineError, ValueError, OSError) as exc:
        raise _not_a_roster() from exc
    # The first visible worksheet with anything in it: rosters have one sheet that matters,
    # sometimes after an empty "Sheet1" or a hidden helper sheet.
    for meta in workbook.sheets_metadata:
        if meta.visible != python_calamine.SheetVisibleEnum.Visible:
            continue
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
        except python_calamine.CalamineError as exc:
            raise _not_a_roster() from exc
        if sheet.start is not None:
            return sheet
    raise ImportFileError(_("The file's sheets are empty."))


class RowStream:
    """The rows of a file, streamed: iterate for (row number as Excel shows it, cells).

    `total` is the number of rows (title and header included) for progress bars; for text
    files it is counted from line ends, so a quoted cell that spans lines makes it a little
    high.
    """

    def __init__(self, path: Path, info: FileInfo) -> None:
        self.path = path
        self.info = info
        self.sheet = _open_sheet(path) if info.kind != "csv" else None
        if self.sheet is not None:
            end = self.sheet.end
            self.total = end[0] + 1 if end else 0
        else:
            self.total = _count_lines(path)

    def __iter__(self) -> Iterator[tuple[int, list[Cell]]]:
        if self.sheet is not None:
            # calamine yields rows from the sheet's first row (empty leading rows included), so
            # the position is the row number; columns start at the first used column, which
            # only shifts indexes, the same way for the header and the data.
            yield from enumerate(self.sheet.iter_rows(), start=1)
            return
        with self.path.open(encoding=self.info.encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=self.info.delimiter or ",")
            try:
                # A quoted cell may span lines; Excel shows it as one row, so count records.
                yield from enumerate(reader, start=1)
            except csv.Error as exc:
                raise _not_a_roster() from exc


def _count_lines(path: Path) -> int:
    count = 0
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (1 if last and last != b"\n" else 0)


def read_head(path: Path, info: FileInfo, limit: int) -> list[tuple[int, list[Cell]]]:
    rows = []
    for item in RowStream(path, info):
        rows.append(item)
        if len(rows) >= limit:
            break
    return rows


def text_of(cell: Cell) -> str:
    """A cell as the user sees it, for headers, samples and the error report."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return repr(cell).upper() if abs(cell) >= 1e15 else str(cell)
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(" ")
    if hasattr(cell, "isoformat"):
        return cell.isoformat()
    return str(cell)
