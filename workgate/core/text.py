"""Clean-up of what people paste: full-width characters, stray and invisible spaces."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def normalise_text(value: str) -> str:
    """NFKC (full-width digits and letters become ASCII), spaces folded, ends trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def compact(value: str) -> str:
    """normalise_text without any spaces: for numbers and codes."""
    return normalise_text(value).replace(" ", "")
