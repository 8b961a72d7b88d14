"""Periodic work of duty rosters, run by the worker's scheduler (workgate.core.schedule)."""

from __future__ import annotations

from django.tasks import task


@task()
def reminders() -> int:
    """Remind volunteers of shifts that start within their post's reminder time (every 5 min)."""
    from workgate.duty.services import send_reminders

    return send_reminders()
