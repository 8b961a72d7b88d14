"""`workgate demo`: migrate, load the simulated community once, print the accounts, serve it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from workgate.core.demo import build_demo, demo_accounts, demo_community, demo_password
from workgate.core.management.commands.serve import default_workers, serve_command


def scale_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--scale takes a number such as 1.0 (the full community) or 0.01 (1 %), not {text!r}"
        ) from None
    if not 0 < value <= 2:
        raise argparse.ArgumentTypeError(
            f"--scale must be above 0 and at most 2 (1.0 is the full community), not {text}"
        )
    return value


class Command(BaseCommand):
    help = "Load the simulated Dagang community (once) and serve it with a task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--scale",
            type=scale_value,
            default=1.0,
            help="1.0 = 651 enterprises and ~100,000 employees (default).",
        )
        parser.add_argument("--seed", type=int, default=2020, help="Random seed (default 2020).")
        parser.add_argument("--no-serve", action="store_true", help="Load only; do not serve.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the database file and build the demo again (SQLite only).",
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("WORKGATE_PORT", "8000"))
        )

    def handle(
        self,
        *args: Any,
        scale: float,
        seed: int,
        no_serve: bool,
        reset: bool,
        port: int,
        **options: Any,
    ) -> None:
        if reset:
            self._reset_database()
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        community = demo_community()
        if community is None:
            self.stdout.write(f"Building the simulated community at scale {scale} (seed {seed})…")
            started = time.monotonic()
            community = build_demo(scale=scale, seed=seed, log=self.stdout.write)
            self.stdout.write(self.style.SUCCESS(f"Built in {time.monotonic() - started:.1f} s."))
        else:
            self.stdout.write(
                f"The simulated community is already loaded ({community.name}); nothing added. "
                "Use --reset to build it again."
            )
        self._print_accounts(community, port)
        if not no_serve:
            self._serve(port)

    def _reset_database(self) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.sqlite3":
            raise CommandError(
                "--reset only deletes the built-in SQLite database; "
                "drop a PostgreSQL database with its own tools."
            )
        from django.db import connections

        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            path = f"{db['NAME']}{suffix}"
            if os.path.exists(path):
                os.remove(path)

    def _print_accounts(self, community: Any, port: int) -> None:
        password = demo_password()
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Demo accounts (password for all: {password})")
        )
        for account in demo_accounts(community):
            self.stdout.write(f"  {account.username:<10} {account.role.label:<22} {account.where}")
        self.stdout.write("  (every other enterprise has its own officer-XXXXXX account)")
        self.stdout.write(f"\nOpen http://127.0.0.1:{port}/ and sign in.\n")

    def _serve(self, port: int) -> None:
        worker = subprocess.Popen(
            [sys.executable, "-m", "workgate.cli", "worker"], env=dict(os.environ)
        )
        cmd, env = serve_command("127.0.0.1", port, default_workers())
        try:
            subprocess.run(cmd, env=env, check=False)  # noqa: S603
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
