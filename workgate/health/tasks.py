"""Periodic work of daily health, run by the worker's scheduler (workgate.core.schedule)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from workgate.health import services


@task()
def incidents_escalate() -> int:
    """Escalate fever incidents whose step is overdue (every minute)."""
    return services.incidents_escalate()


@task()
def checks_storage_maintain() -> dict[str, Any]:
    """Partitions for the coming week; drop days past retention (hourly)."""
    return services.checks_storage_maintain()
