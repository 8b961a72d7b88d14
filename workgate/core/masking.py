"""How resident ID numbers and phones are shown to a role that does not need them in full."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """First 6 and last 4 shown: 330203********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """First 3 and last 4 shown: 138****1234."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """Family name kept: 张*, 欧阳** (for lists shown to people outside the enterprise)."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
