"""Free-text places as rosters write them ("湖北省武汉市", "武汉", "浙江宁波北仑") → a Region.

The names come from the division data (`regions.region_rows()`, the same rows as the Region
table); nothing here lists places by hand. A text is read left to right: a province if it
starts with one, then a prefecture inside it, then a county inside that; a text that starts
below province level ("武汉", "北仑区") is looked up among all prefectures, then all counties.
Each name is known by its full form and by a short form without its administrative suffix
(省/市/区/县/旗/地区/盟/自治州…); autonomous units ("恩施土家族苗族自治州") and the special
administrative regions are also known by their first two characters ("恩施", "香港"), which is
how people write them. The most specific region found wins; leftover address text is ignored.
A name shared by places with different parents ("鼓楼区") and no context resolves to nothing
rather than to a guess.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache

from workgate.core.text import compact
from workgate.registry.regions import RegionRow, region_index, region_rows

# Administrative suffixes, longest first, by level. A short form must keep two characters
# ("沙市区" → "沙市", but "城区" stays whole).
_SUFFIXES = {
    1: ("特别行政区", "特別行政區", "自治区", "地区", "省", "市"),
    2: ("自治州", "地区", "林区", "市", "州", "盟", "区"),
    3: ("自治县", "自治旗", "林区", "特区", "新区", "区", "县", "市", "旗", "區"),
}
# What may follow a short form in a text without being part of the next name.
_TRAILERS = ("特别行政区", "自治区", "自治州", "自治县", "地区", "省", "市", "州", "区", "县", "旗")
_PLACEHOLDER = re.compile(r"直辖|^(市辖区|县|市区|省直辖.*|自治区直辖.*)$")
_AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗", "特别行政区", "特別行政區")
_NOISE = re.compile(r"[\s,，、.。;；:：/\\|()（）\[\]【】\-—_]+")


@dataclass(frozen=True, slots=True)
class _Name:
    text: str  # the form that matched (full name or a short form)
    row: RegionRow


def _short_forms(row: RegionRow) -> set[str]:
    name = row.name
    forms = {name}
    for suffix in _SUFFIXES[row.level]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            forms.add(name[: -len(suffix)])
            break
    if name.endswith(_AUTONOMOUS) and len(name) > 4:
        forms.add(name[:2])
    return forms


@cache
def _index() -> tuple[dict[str, list[_Name]], dict[str, list[RegionRow]], int]:
    """Form → names; region code → its children (placeholders skipped); longest form."""
    by_form: dict[str, list[_Name]] = defaultdict(list)
    children: dict[str, list[RegionRow]] = defaultdict(list)
    index = region_index()
    for row in region_rows():
        parent = row.parent
        # 北京 → 市辖区 → 东城区: a county under a placeholder hangs from the province.
        while parent and _PLACEHOLDER.search(index[parent].name):
            parent = index[parent].parent
        if _PLACEHOLDER.search(row.name):
            continue
        if parent:
            children[parent].append(row)
        for form in _short_forms(row):
            by_form[form].append(_Name(form, row))
    longest = max(len(f) for f in by_form)
    return dict(by_form), dict(children), longest


@cache
def _descendants(code: str) -> frozenset[str]:
    _by_form, children, _longest = _index()
    out: set[str] = set()
    stack = [code]
    while stack:
        for child in children.get(stack.pop(), ()):
            out.add(child.code)
            stack.append(child.code)
    return frozenset(out)


def _consume(text: str, pos: int, name: _Name) -> int:
    """Where the text continues after `name`: the rest of the full name or a suffix is eaten."""
    end = pos + len(name.text)
    rest = name.row.name[len(name.text) :] if name.row.name.startswith(name.text) else ""
    if rest and text.startswith(rest, end):
        return end + len(rest)
    for trailer in _TRAILERS:
        if text.startswith(trailer, end) and (not rest or rest.endswith(trailer)):
            return end + len(trailer)
    return end


def _best(text: str, pos: int, allowed: frozenset[str] | None) -> tuple[RegionRow, int] | None:
    """The region named at text[pos:], among `allowed` codes (None: any)."""
    by_form, _children, longest = _index()
    found: list[tuple[int, int, int, RegionRow]] = []
    for length in range(min(longest, len(text) - pos), 1, -1):
        for name in by_form.get(text[pos : pos + length], ()):
            if allowed is not None and name.row.code not in allowed:
                continue
            end = _consume(text, pos, name)
            # Longer match first; then the higher level ("吉林" the province); then current.
            found.append((-end, name.row.level, 0 if name.row.is_current else 1, name.row))
        if found:
            break
    if not found:
        return None
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    end, level, current, row = found[0]
    rivals = {f[3] for f in found if (f[0], f[1], f[2]) == (end, level, current)}
    if len({r.parent for r in rivals}) > 1:
        return None  # "鼓楼区" is in Nanjing, Fuzhou, Xuzhou and Kaifeng: no guess
    return row, -end


def normalise_place(text: str) -> str:
    return _NOISE.sub("", compact(text))


@lru_cache(maxsize=8192)
def region_from_text(text: str) -> RegionRow | None:
    """The most specific region a free-text place names, or None if it names none clearly."""
    text = normalise_place(text or "")
    if len(text) < 2:
        return None
    first = _best(text, 0, None)
    if first is None:
        return None
    row, pos = first
    while row.level < 3:
        inside = _best(text, pos, _descendants(row.code))
        if inside is None:
            break
        row, pos = inside
    return row


def region_code_from_text(text: str) -> str | None:
    row = region_from_text(text)
    return row.code if row else None
