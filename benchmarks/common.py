"""What a benchmark reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | int | str
    unit: str = ""
    target: str = ""
    met: bool | None = None
