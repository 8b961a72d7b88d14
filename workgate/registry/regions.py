"""China's administrative divisions, read from the data file python-stdnum ships (cn/loc.dat).

stdnum keeps every code ever used, each name tagged with the years it was in use
(`[1987-]北仑区`). We keep abolished codes too (marked not current): an ID number issued under
a county that was later merged stays that person's number for life.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_TAGGED = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name: str
    full_name: str
    level: int
    parent: str | None
    province_code: str
    is_current: bool


# Residence permits of Taiwan residents (since 2018) start with 830000; stdnum's data lists
# Taiwan only under 71. Hong Kong (81) and Macao (82) are in the data already.
SUPPLEMENT = (RegionRow("830000", "台湾地区", "台湾地区", 1, None, "83", True),)


def _current_name(raw: str) -> tuple[str, bool]:
    """The newest name among `[1985-1986]滨海区,[1987-]北仑区`, and whether it is still in use."""
    best: tuple[int, str, bool] | None = None
    for part in raw.split(","):
        match = _TAGGED.match(part)
        if not match:
            return part, True
        _start, end, name = match.groups()
        key = int(end) if end else 9999
        if best is None or key >= best[0]:
            best = (key, name, not end)
    assert best is not None
    return best[1], best[2]


@cache
def region_rows() -> tuple[RegionRow, ...]:
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    rows: list[RegionRow] = []
    province = province_name = ""
    prefecture_names: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            code, _, rest = line.partition(" ")
            province = code
            province_name = rest.split("=", 1)[1].strip('"')
            rows.append(
                RegionRow(province + "0000", province_name, province_name, 1, None, province, True)
            )
            continue
        suffix, _, rest = line.strip().partition(" ")
        code = province + suffix
        if code.endswith("0000"):
            continue  # the province's own line under itself
        name, current = _current_name(rest.split("=", 1)[1].strip('"'))
        if code.endswith("00"):
            prefecture_names[code[:4]] = name
            rows.append(
                RegionRow(
                    code, name, f"{province_name} {name}", 2, province + "0000", province, current
                )
            )
        else:
            prefecture_code = code[:4] + "00"
            parent_name = prefecture_names.get(code[:4])
            parent = prefecture_code if parent_name else province + "0000"
            # 市辖区 ("city districts") is a placeholder, not a place a person names.
            full = " ".join(p for p in (province_name, parent_name, name) if p)
            rows.append(RegionRow(code, name, full, 3, parent, province, current))
    return tuple(rows) + SUPPLEMENT


@cache
def region_index() -> dict[str, RegionRow]:
    return {row.code: row for row in region_rows()}


def resolve_region_code(code: str) -> RegionRow | None:
    """The most specific known region for a 6-digit code: county, else prefecture, else province.

    A county created after stdnum's data was made still resolves to its prefecture or province.
    """
    index = region_index()
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        if candidate in index:
            return index[candidate]
    return None


def load_regions_after_migrate(**kwargs: Any) -> None:
    """post_migrate: make the Region table match the data set (idempotent, a few thousand rows)."""
    from workgate.registry.services import regions_sync

    regions_sync(using=kwargs.get("using", "default"))
