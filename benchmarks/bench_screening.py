"""Screening at the scale of Dagang's first day, on the full demo community (100,000 employees,
the day-one campaign part-way through), each backend in its own process on a fresh database:
building and assigning a 30,000-person campaign (the largest enterprises until 30,000 people,
split among the demo's 87 callers by capacity); reassessing all 100,000 employees after a
risk-list change (Wenzhou raised to high, Fuyang listed medium); and, on PostgreSQL only, the
caller's "next person" under load: `workgate serve` (gunicorn, 4 workers × 4 threads) on a free
loopback port and 50 volunteer callers in parallel threads, each signed in through the login
page, working the day-one campaign for 40 seconds (next person → the person's page → the outcome
form), reporting p50 / p95 of "next person" (the POST and the page it redirects to) and checking
that no person was served to two callers. Run twice: with 8 s (±50 %) "on the phone" per person
(real calls take minutes, so this is still about ten times the real pace) and with no pause at
all (saturation: the whole day's 30,000 calls in about an hour, on a 2-core machine that also
runs the 50 clients and PostgreSQL). Targets: build ≤ 2 s, reassess ≤ 10 s, next person p95
≤ 500 ms at the working pace."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import Figure

TITLE = "Screening: campaign build, reassessment, callers under load"
ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "workgate_bench_screening"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
PASSWORD = "bench-only"  # noqa: S105 - the scratch demo's password
CALLERS = 50
SECONDS = 40
CYCLES = 30
TALK = 8.0  # seconds "on the phone" per person, ±50 % (real calls last minutes)


def inner() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workgate.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from workgate.core.access import Actor
    from workgate.core.demo import build_demo, demo_community
    from workgate.core.models import Enterprise
    from workgate.registry.models import Region
    from workgate.screening import services
    from workgate.screening.assessment import reassess_community
    from workgate.screening.models import CallTask, Campaign

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    community = demo_community() or build_demo(scale=1.0, seed=2020, log=lambda _m: None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    staff = Actor.system(community.pk)
    sizes = Enterprise.objects.filter(community=community).order_by("-id")
    chosen, people = [], 0
    for pk, n in sorted(((e.pk, e.employees.count()) for e in sizes), key=lambda r: -r[1]):
        chosen.append(pk)
        people += n
        if people >= 30_000:
            break
    demo_campaign = Campaign.objects.get(community=community)
    users = list(demo_campaign.callers.values_list("user_id", "capacity"))
    from workgate.screening.models import Caller

    timings = []
    for run in range(3):  # best and worst of three, each a new campaign of the same target
        campaign = services.campaign_create(
            actor=staff, name=f"bench {run}", target={"enterprises": chosen}
        )
        Caller.objects.bulk_create(
            [Caller(campaign=campaign, user_id=u, capacity=c) for u, c in users]
        )
        started = time.perf_counter()
        total = services.campaign_build(campaign_id=campaign.pk)
        timings.append(time.perf_counter() - started)
        assert CallTask.objects.filter(campaign=campaign).count() == total
        # Put it aside so the load test works the demo's day-one campaign.
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    build, build_worst = min(timings), max(timings)

    with transaction.atomic():
        for code, level in (("330300", "high"), ("341200", "medium")):
            services._region_risk_write(
                actor=staff,
                region=Region.objects.get(code=code),
                level=level,
                effective_from=__import__("datetime").date.today(),
            )
    started = time.perf_counter()
    result = reassess_community(community_id=community.pk)
    reassess = time.perf_counter() - started
    print(
        json.dumps(
            {
                "build_s": round(build, 2),
                "build_worst_s": round(build_worst, 2),
                "build_people": total,
                "callers": len(users),
                "reassess_s": round(reassess, 2),
                "assessed": result["assessed"],
                "changed": result["changed"],
                "demo_campaign": demo_campaign.pk,
            }
        )
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Caller:
    """One volunteer on a phone: a keep-alive connection with its own cookies."""

    def __init__(self, port: int, username: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.username = username

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection before reading the request:
            # reconnect and send again, as browsers do.
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", data

    def login(self) -> None:
        _status, _loc, page = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _loc, _ = self.request(
            "POST",
            "/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert status == 302, (self.username, status)


def load_test(port: int, campaign: int, talk: float) -> dict[str, object]:
    next_ms: list[float] = []
    outcome_ms: list[float] = []
    served: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CALLERS)

    def work(i: int) -> None:
        caller = Caller(port, f"volunteer-{i:02d}")
        rng = random.Random(i)
        try:
            caller.login()
            barrier.wait()
            if talk:
                time.sleep(rng.uniform(0, talk))  # volunteers start within a call's length
            deadline = time.monotonic() + SECONDS
            for n in range(CYCLES):
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                status, location, _ = caller.request(
                    "POST", f"/screening/calls/{campaign}/next/", {}
                )
                if status != 302 or "/task/" not in location:
                    break
                status, _loc, page = caller.request("GET", location)
                took = (time.perf_counter() - started) * 1000
                if status != 200:
                    errors.append(f"task page {status}")
                    break
                task_id = int(location.rstrip("/").split("/")[-1])
                client_id = re.search(r'name="client_id" value="([^"]+)"', page).group(1)
                if talk:
                    time.sleep(talk * (0.5 + rng.random()))  # on the phone
                form = {"client_id": client_id, "outcome": "reached" if n % 8 else "no_answer"}
                started = time.perf_counter()
                status, _loc, _ = caller.request("POST", f"{location}outcome/", form)
                with lock:
                    next_ms.append(took)
                    outcome_ms.append((time.perf_counter() - started) * 1000)
                    served.append(task_id)
                if status != 302:
                    errors.append(f"outcome {status}")
                    break
        except Exception as exc:
            with lock:
                errors.append(repr(exc)[:200])
        finally:
            caller.conn.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, CALLERS + 1)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=SECONDS + 120)
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(next_ms, n=100) if len(next_ms) > 1 else [0] * 99
    qo = statistics.quantiles(outcome_ms, n=100) if len(outcome_ms) > 1 else [0] * 99
    return {
        "calls": len(next_ms),
        "p50": round(q[49]),
        "p95": round(q[94]),
        "outcome_p95": round(qo[94]),
        "collisions": len(served) - len(set(served)),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "rate": round(len(next_ms) / elapsed, 1),
    }


def _inner(url: str | None, var: str) -> dict[str, object]:
    env = {**os.environ, "WORKGATE_VAR_DIR": var, "WORKGATE_DEMO_PASSWORD": PASSWORD}
    env.update(DATABASE_URL=url or "", WORKGATE_LOCAL="1")
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_screening", "--inner"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _pg(command: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(command)
        return True
    except psycopg.Error:
        return False


def _serve(var: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "WORKGATE_VAR_DIR": var, "DATABASE_URL": PG_URL}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/workgate"), "serve", "--port", str(port), "--workers", "4"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not start")


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as var:
        lite = _inner(None, var)
        figures += [
            Figure(
                f"SQLite: build and assign {lite['build_people']:,} people"
                f" (best of 3; worst {lite['build_worst_s']} s)",
                lite["build_s"],
                "s",
                "≤ 2 s",
                float(lite["build_s"]) <= 2,
            ),
            Figure(
                f"SQLite: reassess {lite['assessed']:,} ({lite['changed']:,} changed)",
                lite["reassess_s"],
                "s",
                "≤ 10 s",
                float(lite["reassess_s"]) <= 10,
            ),
        ]
    if not (_pg(f"DROP DATABASE IF EXISTS {PG_DB}") and _pg(f"CREATE DATABASE {PG_DB}")):
        return figures
    try:
        with tempfile.TemporaryDirectory() as var:
            pg = _inner(PG_URL, var)
            figures += [
                Figure(
                    f"PostgreSQL: build and assign {pg['build_people']:,} people"
                    f" (best of 3; worst {pg['build_worst_s']} s)",
                    pg["build_s"],
                    "s",
                    "≤ 2 s",
                    float(pg["build_s"]) <= 2,
                ),
                Figure(
                    f"PostgreSQL: reassess {pg['assessed']:,} ({pg['changed']:,} changed)",
                    pg["reassess_s"],
                    "s",
                    "≤ 10 s",
                    float(pg["reassess_s"]) <= 10,
                ),
            ]
            port = _free_port()
            server = _serve(var, port)
            try:
                busy = load_test(port, int(pg["demo_campaign"]), TALK)
                flat_out = load_test(port, int(pg["demo_campaign"]), 0)
            finally:
                server.terminate()
                server.wait(timeout=30)
            for label, load in ((f"{TALK:.0f} s on the phone", busy), ("no pause", flat_out)):
                figures += _load_figures(label, load)
    finally:
        _pg(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    return figures


def _load_figures(label: str, load: dict[str, object]) -> list[Figure]:
    target = "≤ 500 ms" if label != "no pause" else ""
    met = int(load["p95"]) <= 500 if target else None  # type: ignore[call-overload]
    return [
        Figure(f"PostgreSQL, {CALLERS} callers, {label}: next person p50", load["p50"], "ms"),
        Figure(
            f"PostgreSQL, {CALLERS} callers, {label}: next person p95",
            load["p95"],
            "ms",
            target,
            met,
        ),
        Figure(
            f"PostgreSQL, {CALLERS} callers, {label}: outcome saved p95", load["outcome_p95"], "ms"
        ),
        Figure(f"{label}: calls made in {SECONDS} s", load["calls"], f"({load['rate']}/s)"),
        Figure(
            f"{label}: people served to two callers",
            load["collisions"],
            "",
            "0",
            load["collisions"] == 0,
        ),
        Figure(
            f"{label}: errors", load["errors"], str(load["first_error"]), "0", load["errors"] == 0
        ),
    ]


if __name__ == "__main__" and "--inner" in sys.argv:
    inner()
