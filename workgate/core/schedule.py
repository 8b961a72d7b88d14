"""Periodic tasks: a small scheduler the task worker runs (django-tasks-db has none).

An app registers a task that takes no arguments in its AppConfig.ready():

    register_periodic("health.missed_checks", timedelta(minutes=15), find_missed_checks)

Each `workgate worker` calls `schedule_tick()` every 30 seconds (`workgate schedule-tick` does one
tick, for cron). A tick queues every task that is due, at most once per `every` however many
workers tick: the task's `ScheduleState` row is locked with SKIP LOCKED (PostgreSQL), so a second
worker passes it by; on SQLite writers are serialised anyway. A tick that finds a task overdue
by several periods queues it once, not once per missed period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import Task
from django.utils import timezone

from workgate.core.models import ScheduleState

logger = logging.getLogger(__name__)

TICK_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str
    every: timedelta
    task: Task


PERIODIC: dict[str, Periodic] = {}


def register_periodic(name: str, every: timedelta, task: Task) -> None:
    """Queue `task` (a `@task()` function without arguments) every `every`."""
    if not isinstance(task, Task):
        raise TypeError(f"{name}: {task!r} is not a task; decorate it with @task()")
    if every <= timedelta(0):
        raise ValueError(f"{name}: the period must be positive")
    PERIODIC[name] = Periodic(name, every, task)


def schedule_tick(now: datetime | None = None) -> list[str]:
    """Queue the periodic tasks that are due; returns their names."""
    now = now or timezone.now()
    return [p.name for p in list(PERIODIC.values()) if _claim(p, now)]


def _claim(periodic: Periodic, now: datetime) -> bool:
    ScheduleState.objects.get_or_create(name=periodic.name)
    with transaction.atomic():
        state = (
            ScheduleState.objects.select_for_update(skip_locked=True)
            .filter(name=periodic.name)
            .first()
        )
        if state is None:  # another worker is queueing it right now
            return False
        due = state.last_enqueued_at is None or state.last_enqueued_at + periodic.every <= now
        if not due:
            return False
        state.last_enqueued_at = now
        state.save(update_fields=["last_enqueued_at"])
        transaction.on_commit(periodic.task.enqueue)
    logger.info("queued periodic task %s", periodic.name)
    return True


def tick_safely() -> list[str]:
    """One tick for a long-running worker: a failure is logged, never raised."""
    try:
        return schedule_tick()
    except Exception:
        logger.exception("periodic task tick failed")
        return []
