"""`workgate schedule-tick`: queue the periodic tasks that are due, once (for cron).

`workgate worker` already does this every 30 seconds; use this instead when workers run with
`--no-schedule`. Running both is harmless: a task is queued at most once per period.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from workgate.core.schedule import schedule_tick


class Command(BaseCommand):
    help = "Queue the periodic tasks that are due and print their names."

    def handle(self, *args: Any, **options: Any) -> None:
        names = schedule_tick()
        for name in names:
            self.stdout.write(f"Queued periodic task {name}")
        if not names and options["verbosity"] >= 1:
            self.stdout.write("Nothing due.")
