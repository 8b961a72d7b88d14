"""How daily health's notifications read (registered with workgate.core.notify)."""

from __future__ import annotations


def register() -> None:
    """Filled in with the incident pages."""
