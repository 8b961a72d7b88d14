"""`workgate worker`: run background tasks (imports, exports, reports) from the task queue, and
queue the periodic tasks when they are due (core.schedule)."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from workgate.core import schedule


def _tick_forever() -> None:
    while True:
        schedule.tick_safely()
        connection.close()  # this thread's own connection; never held open between ticks
        time.sleep(schedule.TICK_SECONDS)


class Command(BaseCommand):
    help = "Run the background task worker (django-tasks-db) and the periodic-task schedule."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Queue the periodic tasks that are due, run every queued task, then exit.",
        )
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls.")
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Do not queue periodic tasks (another worker or cron's schedule-tick does).",
        )

    def handle(
        self, *args: Any, batch: bool, interval: float, no_schedule: bool, **options: Any
    ) -> None:
        verbosity = options.get("verbosity", 1)
        if no_schedule:
            pass
        elif batch:
            for name in schedule.tick_safely():
                if verbosity:
                    self.stdout.write(f"Queued periodic task {name}")
        else:
            threading.Thread(target=_tick_forever, name="schedule", daemon=True).start()
        extra = ["--batch"] if batch else []
        call_command(
            "db_worker",
            "--interval",
            str(interval),
            "--no-startup-delay",
            *extra,
            verbosity=verbosity,
        )
