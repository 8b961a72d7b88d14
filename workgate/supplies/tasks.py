"""Periodic work of supplies, run by the worker's scheduler (workgate.core.schedule)."""

from __future__ import annotations

from django.tasks import task

from workgate.core.models import Community


@task()
def gate_draw() -> int:
    """Draw masks handed out at the gates from each enterprise's stock (every 10 minutes)."""
    from workgate.supplies.services import gate_draw as draw

    return sum(draw(c) for c in Community.objects.values_list("pk", flat=True))


@task()
def shortages_notify() -> int:
    """Tell officers once a day which materials last under the shortage threshold (hourly)."""
    from workgate.supplies.services import shortages_notify as run

    return sum(run(c) for c in Community.objects.values_list("pk", flat=True))
