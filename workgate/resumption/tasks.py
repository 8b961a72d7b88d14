"""Periodic work of resumption, run by the worker's scheduler (workgate.core.schedule)."""

from __future__ import annotations

from django.tasks import task

from workgate.resumption import services


@task()
def resumptions_detect() -> int:
    """Approved enterprises seen at their gates are back at work (every 5 minutes)."""
    return services.resumptions_detect()


@task()
def overdue_notify() -> int:
    """Tell leaders about applications past their same-day clock (every 10 minutes)."""
    return services.applications_overdue_notify()
