"""Demo data of screening (filled in by the screening capability)."""

from __future__ import annotations

from typing import Any


def build(**kwargs: Any) -> None:
    """Nothing yet."""
