"""Reading an official risk list (CSV / xlsx / xls): regions by code or by name, with a level.

Lists came as spreadsheets or as text copied from a notice: one region per row, a code or a name
("湖北省", "浙江省温州市", "420100"), and a level column ("高风险", "中", "high") unless the whole
list is of one level. Rows are checked one by one; each row keeps its number as the file shows it
so the page can list the ones that are not understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from workgate.core.text import compact, normalise_text
from workgate.registry.importing.readers import ImportFileError, RowStream, inspect, text_of
from workgate.registry.region_names import region_code_from_text
from workgate.registry.regions import resolve_region_code

MAX_ROWS = 10_000
REGION_HEADERS = ("地区", "区域", "地名", "名称", "行政区", "region", "name", "area", "place")
CODE_HEADERS = ("代码", "编码", "区划代码", "code")
LEVEL_HEADERS = ("风险等级", "等级", "风险", "级别", "level", "risk")
LEVEL_WORDS = {
    "高": "high",
    "高风险": "high",
    "高风险地区": "high",
    "high": "high",
    "h": "high",
    "中": "medium",
    "中风险": "medium",
    "中风险地区": "medium",
    "medium": "medium",
    "m": "medium",
    "低": "low",
    "低风险": "low",
    "低风险地区": "low",
    "low": "low",
    "l": "low",
}


class RiskFileError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Columns:
    header_row: int | None  # row number of the header, None if the file has none
    region: int | None
    code: int | None
    level: int | None


def level_from_text(text: str) -> str | None:
    return LEVEL_WORDS.get(compact(normalise_text(text)).lower())


def code_from_text(text: str) -> str | None:
    """A division code as lists write it: 2, 4, 6 digits, or 9/12-digit statistical codes."""
    digits = compact(text)
    if not digits.isdigit():
        return None
    if len(digits) in (9, 12) and set(digits[6:]) == {"0"}:
        digits = digits[:6]
    if len(digits) == 2:
        digits += "0000"
    elif len(digits) == 4:
        digits += "00"
    if len(digits) != 6:
        return None
    row = resolve_region_code(digits)
    return row.code if row is not None else None


def _find(headers: list[str], names: tuple[str, ...]) -> int | None:
    for i, header in enumerate(headers):
        h = compact(normalise_text(header)).lower()
        if h and any(h == n or h.startswith(n) or n in h for n in names):
            return i
    return None


def _columns(rows: list[tuple[int, list[str]]]) -> Columns:
    for number, cells in rows[:5]:
        code = _find(cells, CODE_HEADERS)
        level = _find(cells, LEVEL_HEADERS)
        region = _find(cells, REGION_HEADERS)
        if region is not None and region in (code, level):
            region = None
        if code is not None or region is not None:
            return Columns(number, region, code, level)
    # No header: the first column is the place (or its code), a second one the level.
    first = next((cells for _n, cells in rows if any(cells)), [])
    level = 1 if len(first) > 1 and level_from_text(first[1]) else None
    return Columns(None, 0, None, level)


def read_rows(path: Path, *, default_level: str = "") -> list[dict[str, Any]]:
    """Every data row of the list: {"row", "text", "level", "code", "name", "error"}."""
    try:
        info = inspect(path)
        stream = RowStream(path, info)
        raw: list[tuple[int, list[str]]] = []
        for number, cells in stream:
            raw.append((number, [normalise_text(text_of(c)) for c in cells]))
            if len(raw) > MAX_ROWS:
                raise RiskFileError(
                    _("The list has more than %(max)s rows.") % {"max": f"{MAX_ROWS:,}"}
                )
    except ImportFileError as exc:
        raise RiskFileError(exc.message) from exc
    if not raw:
        raise RiskFileError(_("The file is empty."))
    cols = _columns(raw)
    out: list[dict[str, Any]] = []
    for number, cells in raw:
        if cols.header_row is not None and number <= cols.header_row:
            continue
        if not any(cells):
            continue

        def cell(i: int | None, cells: list[str] = cells) -> str:
            return cells[i] if i is not None and i < len(cells) else ""

        code_text, name_text, level_text = cell(cols.code), cell(cols.region), cell(cols.level)
        text = " ".join(t for t in (code_text, name_text) if t)
        row: dict[str, Any] = {"row": number, "text": text, "level": "", "code": "", "error": ""}
        level = level_from_text(level_text) if level_text else (default_level or None)
        code = None
        if code_text:
            code = code_from_text(code_text)
        if code is None and name_text:
            code = code_from_text(name_text) or region_code_from_text(name_text)
        if not text:
            row["error"] = _("No region on this row.")
        elif code is None:
            row["error"] = _("No region has this name or code.")
        elif level is None:
            row["error"] = (
                _("“%(text)s” is not a risk level (high, medium or low).") % {"text": level_text}
                if level_text
                else _("No risk level on this row, and no level chosen for such rows.")
            )
        row["code"] = code or ""
        row["level"] = level or ""
        out.append(row)
    return out
