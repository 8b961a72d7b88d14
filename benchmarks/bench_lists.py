"""The employee list at 100,000 employees (the full demo community), as community staff sees
it: first page, last page, a name search, the last four digits of an ID, a province filter,
and one enterprise's roster. Server-side time of the whole page through Django's test client,
best of five, on SQLite and (where reachable) PostgreSQL. Target: every page under 500 ms."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure

TITLE = "Employee list at 100,000 employees"
ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workgate_bench")
QUERIES = {
    "first page": {},
    "last page": {"page": "2000"},
    "name search (王)": {"q": "王"},
    "last 4 digits of an ID": {"q": "1234"},
    "household province = Hubei": {"province": "42"},
    "one enterprise, page 20": {"enterprise": "1", "page": "20"},
}


def inner() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workgate.settings")
    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from workgate.core.demo import build_demo, demo_community
    from workgate.core.models import User

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if demo_community() is None:
        build_demo(scale=1.0, seed=2020, log=lambda _m: None)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum / a nightly job keeps
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(User.objects.get(username="staff"))
    results = {}
    for name, params in QUERIES.items():
        best = 1e9
        for _ in range(5):
            started = time.perf_counter()
            response = client.get("/registry/employees/", params)
            best = min(best, time.perf_counter() - started)
            assert response.status_code == 200
        results[name] = round(best * 1000)
    print(json.dumps(results))


def _run(url: str | None, var: str) -> dict[str, int]:
    env = {**os.environ, "WORKGATE_VAR_DIR": var, "WORKGATE_DEMO_PASSWORD": "bench-only"}
    env.update(DATABASE_URL=url or "", ALLOWED_HOSTS="testserver", WORKGATE_LOCAL="1")
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_lists", "--inner"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _pg_ready() -> bool:
    import psycopg

    try:
        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS workgate_bench")
            c.execute("CREATE DATABASE workgate_bench")
        return True
    except psycopg.Error:
        return False


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as var:
        targets = [("SQLite", None)]
        if _pg_ready():
            targets.append(("PostgreSQL", PG_URL))
        for label, url in targets:
            for name, ms in _run(url, var).items():
                figures.append(Figure(f"{label}: {name}", ms, "ms", "< 500 ms", ms < 500))
    return figures


if __name__ == "__main__" and "--inner" in sys.argv:
    inner()
