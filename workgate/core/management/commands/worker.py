"""`workgate worker`: run background tasks (imports, exports, reports) from the task queue."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker (django-tasks-db)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Run every queued task, then exit."
        )
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls.")

    def handle(self, *args: Any, batch: bool, interval: float, **options: Any) -> None:
        extra = ["--batch"] if batch else []
        call_command(
            "db_worker",
            "--interval",
            str(interval),
            "--no-startup-delay",
            *extra,
            verbosity=options.get("verbosity", 1),
        )
