"""Clean-up of what people paste: full-width characters, stray and invisible spaces."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Zero-width characters pasted from chat apps and web pages: removed, not turned into spaces.
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def normalise_text(value: str) -> str:
    """NFKC (full-width digits and letters become ASCII), invisible characters removed,
    spaces folded, ends trimmed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", value))
    return _SPACES.sub(" ", text).strip()


def compact(value: str) -> str:
    """normalise_text without any spaces: for numbers and codes."""
    return normalise_text(value).replace(" ", "")


def whole_number(raw: object) -> int | None:
    """A non-negative whole number from a query or form parameter (an id, a page), else None."""
    text = str(raw or "").strip()
    return int(text) if text.isdigit() else None
