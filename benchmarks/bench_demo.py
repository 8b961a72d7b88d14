"""Building the full simulated community (651 enterprises, 100,000 employees, every account) on
SQLite, from an empty database, in a separate process: wall time of the build step as the demo
command reports it, and the process's peak resident memory. Target: under 60 s."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time

from benchmarks.common import Figure

TITLE = "Demo generation at scale 1.0 (SQLite)"


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as var:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(WORKGATE_VAR_DIR=var, WORKGATE_DEMO_PASSWORD="bench-only")  # noqa: S106
        subprocess.run(
            [sys.executable, "-m", "workgate.cli", "migrate", "-v", "0"], env=env, check=True
        )
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-m", "workgate.cli", "demo", "--scale", "1.0", "--no-serve"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        total = time.monotonic() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    built = float(re.search(r"Built in ([\d.]+) s", out).group(1))  # type: ignore[union-attr]
    employees = re.findall(r"(\d+) employees$", out, re.MULTILINE)[-1]
    return [
        Figure("employees built", int(employees)),
        Figure("build time (demo's own clock)", round(built, 1), "s", "≤ 60 s", built <= 60),
        Figure("whole command incl. start-up and migrate check", round(total, 1), "s"),
        Figure("peak memory (RSS)", round(peak_mb), "MiB"),
    ]
