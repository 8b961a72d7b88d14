"""`make bench`: run every benchmarks/bench_*.py, print the figures, write docs/benchmarks.md.

Each module has `run() -> list[Figure]`. Figures are measured here, never asserted in tests.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Figure  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        mem = "?"
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem} RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; CPU check {cpu_check():.2f} s"
    )


def cpu_check() -> float:
    """Seconds for a fixed piece of pure Python (sum(range(10**7)), best of three), taken
    when a benchmark ends. The machine is a shared virtual one whose speed varies from day to
    day and hour (on 2026-11-23 the raw COPY of the health benchmark ran at 112,000 rows/s at
    03:37 UTC and at 60,000 at 11:55, its code unchanged), so figures of different runs are
    read with this beside them."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        sum(range(10**7))
        best = min(best, time.perf_counter() - started)
    return best


RESULTS = ROOT / "docs" / "benchmarks.json"


def main() -> int:
    """`run.py` runs every benchmark; `run.py bench_x bench_y` runs those and keeps the others'
    last figures (kept in docs/benchmarks.json), so docs/benchmarks.md always lists them all."""
    only = sys.argv[1:]
    modules = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in modules:
        if only and name not in only:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {module.TITLE}")
        figures: list[Figure] = module.run()
        for f in figures:
            print(f"   {f.name}: {f.value} {f.unit}  (target: {f.target or '—'})")
        stored[name] = {
            "title": module.TITLE,
            "doc": " ".join((module.__doc__ or "").split()),
            "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            "machine": machine(),
            "figures": [asdict(f) for f in figures],
        }
        RESULTS.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n")
    write_report(stored)
    return 0


def write_report(stored: dict[str, dict]) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (benchmarks/run.py) from docs/benchmarks.json; "
        "do not edit by hand. `make bench` runs them all; "
        "`.venv/bin/python benchmarks/run.py bench_NAME` runs one.",
        "",
    ]
    for entry in stored.values():
        lines += [
            f"## {entry['title']}",
            "",
            entry["doc"],
            "",
            f"Measured {entry['date']} on {entry['machine']}.",
            "",
            "| figure | value | target | met |",
            "|---|---|---|---|",
        ]
        for f in entry["figures"]:
            met = "" if f["met"] is None else ("yes" if f["met"] else "**no**")
            target = f["target"] or "—"
            lines.append(f"| {f['name']} | {f['value']} {f['unit']} | {target} | {met} |")
        lines.append("")
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(lines))
    print(f"Wrote {ROOT / 'docs' / 'benchmarks.md'}")


if __name__ == "__main__":
    sys.exit(main())
