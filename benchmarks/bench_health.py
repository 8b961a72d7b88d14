"""Daily health on PostgreSQL, on the full demo community (100,000 employees, 14 days of checks
already in the partitioned checks table), in a fresh database:

- Batch ingest through the API code path versus a raw COPY of the same rows into the same
  table, side by side in one run: one check for each person on duty (up to 100,000), as batches
  of 1,000 posted through Django's request handler (JSON body, bearer token, validation of every
  item, the pass codes looked up, the accepted rows COPYed in one transaction, fevers (0.2 %)
  opening incidents and notifying), against psycopg's COPY of the very same rows; each measured
  three times on new rows (deleted between runs), best of three. Then the same kind of rows
  posted over HTTP to `workgate serve` by four devices at once. Target: the API path reaches
  ≥ 50 % of COPY's rows per second.
- Single check-ins over HTTP: `workgate serve` (gunicorn, its production settings) on a free
  loopback port and wrk (Debian's package) posting one check per request to /api/v1/checks
  with a bearer token, each with a new id and a person's pass code at their enterprise's gate,
  for 30 s at 16 connections on the same 2-core machine that runs PostgreSQL and wrk itself
  (after a 5 s warm-up).
  Targets: ≥ 500 per second sustained, p99 < 100 ms; every answered request stored once.
- The missing-check list for the whole community: the round's per-enterprise summary plus the
  first page of people missed (count and 50 names), as the page asks for them; median of 5
  after one warm-up. Target ≤ 300 ms.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure

TITLE = "Daily health: check ingest, single check-ins over HTTP, missing-check list"
ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "workgate_bench_health"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
BATCH = 1000
RUNS = 3
WRK_SECONDS = 30
WRK_CONNECTIONS = 16
DEVICES = 4


def inner(var: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workgate.settings")
    django.setup()
    import datetime as dt
    import random
    import statistics
    import uuid
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from workgate.core.access import Actor
    from workgate.core.demo import build_demo, demo_community
    from workgate.core.models import Role
    from workgate.core.services import token_create
    from workgate.health import partitions, queries, rules, services
    from workgate.health.models import Check, Gate, Incident, IncidentStep, PassCode
    from workgate.registry.models import Employee, TimelineEvent

    scale = float(os.environ.get("BENCH_SCALE", "1.0"))
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    community = demo_community() or build_demo(scale=scale, seed=2020, log=lambda _m: None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    staff = Actor.system(community.pk)
    _token, secret = token_create(actor=staff, name="bench", role=Role.STAFF)
    hs, tz = rules.settings_for(community.pk)

    people = list(
        queries.on_duty(staff).order_by("id").values_list("id", "enterprise_id")[:100_000]
    )
    services.pass_codes_ensure(employee_ids=[p for p, _e in people])
    codes = dict(PassCode.objects.values_list("employee_id", "code"))
    gates: dict[int, int] = {}
    for gate in Gate.objects.filter(enterprise__community=community, is_active=True):
        gates.setdefault(gate.enterprise_id, gate.pk)
    for enterprise_id in {e for _p, e in people} - set(gates):
        gates[enterprise_id] = services.gate_add(
            actor=staff,
            enterprise=community.enterprises.get(pk=enterprise_id),
            name="bench gate",
        ).pk

    rng = random.Random(5)
    client = Client(HTTP_HOST="127.0.0.1")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def make_rows() -> list[tuple]:
        now = timezone.now()
        out = []
        for pk, enterprise_id in people:
            taken = now - dt.timedelta(seconds=rng.randint(0, 600))
            fever = rng.random() < 0.002
            temp = Decimal(
                str(round(rng.uniform(37.4, 38.8) if fever else rng.gauss(36.5, 0.2), 1))
            )
            temp = min(max(temp, Decimal("35.8")), Decimal("39.0"))
            local = taken.astimezone(tz)
            out.append(
                (
                    local.date(),
                    uuid.uuid4(),
                    taken,
                    now,
                    community.pk,
                    enterprise_id,
                    pk,
                    gates[enterprise_id],
                    "gate",
                    rules.round_of(local.time(), hs),
                    temp,
                    rules.is_fever(temp, hs),
                    1,
                    "device",
                    "token:bench",
                )
            )
        return out

    columns = (
        "taken_on, uuid, taken_at, received_at, community_id, enterprise_id, employee_id, "
        "gate_id, kind, round_no, temperature, fever, masks_issued, source, recorded_by"
    )

    def clean(rows: list[tuple]) -> None:
        ids = [r[1] for r in rows]
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM health_check WHERE uuid = ANY(%s)", [ids])
            touched = list(
                Incident.objects.filter(check_uuid__in=ids).values_list("employee_id", flat=True)
            )
            IncidentStep.objects.filter(incident__check_uuid__in=ids).delete()
            Incident.objects.filter(check_uuid__in=ids).delete()
            TimelineEvent.objects.filter(employee_id__in=touched, kind="health.incident").delete()
            Employee.objects.filter(pk__in=touched).update(health_status="normal")
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE health_check")

    def copy(rows: list[tuple]) -> float:
        partitions.ensure({r[0] for r in rows})
        started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cur,
            cur.copy(f"COPY health_check ({columns}) FROM STDIN") as cp,
        ):
            for row in rows:
                cp.write_row(row)
        return time.perf_counter() - started

    def api(rows: list[tuple]) -> tuple[float, int]:
        bodies = []
        for start in range(0, len(rows), BATCH):
            bodies.append(
                json.dumps(
                    {
                        "checks": [
                            {
                                "id": str(r[1]),
                                "pass_code": codes[r[6]],
                                "temperature": str(r[10]),
                                "masks_issued": r[12],
                                "taken_at": r[2].isoformat(),
                                "gate": r[7],
                            }
                            for r in rows[start : start + BATCH]
                        ]
                    }
                )
            )
        created = 0
        started = time.perf_counter()
        for body in bodies:
            response = client.post(
                "/api/v1/checks/batch", body, content_type="application/json", **auth
            )
            assert response.status_code == 200, response.content[:300]
            created += response.json()["created"]
        return time.perf_counter() - started, created

    copy_s, api_s = [], []
    for _run in range(RUNS):
        rows = make_rows()
        copy_s.append(copy(rows))
        clean(rows)
        seconds, created = api(rows)
        assert created == len(rows), (created, len(rows))
        api_s.append(seconds)
        clean(rows)

    day, round_no = queries.now_round(staff)
    timings = []
    for _ in range(6):
        started = time.perf_counter()
        summary = queries.round_summary(staff, day, round_no)
        missing = queries.missing_people(staff, day, round_no)
        missing_count = missing.count()
        first_page = list(missing[:50])
        timings.append(time.perf_counter() - started)
    missing_ms = statistics.median(timings[1:]) * 1000

    wrk_people = [(codes[pk], gates[enterprise_id]) for pk, enterprise_id in people if pk in codes][
        :20_000
    ]
    Path(var, "people.json").write_text(json.dumps(wrk_people))
    # Fresh rows for the parallel upload over HTTP (run by the outer process against the server).
    parallel_rows = make_rows()
    batches = Path(var, "batches")
    batches.mkdir()
    for n, start in enumerate(range(0, len(parallel_rows), BATCH)):
        chunk = parallel_rows[start : start + BATCH]
        (batches / f"{n:04d}.json").write_text(
            json.dumps(
                {
                    "checks": [
                        {
                            "id": str(r[1]),
                            "pass_code": codes[r[6]],
                            "temperature": str(r[10]),
                            "masks_issued": r[12],
                            "taken_at": r[2].isoformat(),
                            "gate": r[7],
                        }
                        for r in chunk
                    ]
                }
            )
        )
    print(
        json.dumps(
            {
                "rows": len(people),
                "copy_s": round(min(copy_s), 3),
                "api_s": round(min(api_s), 3),
                "copy_rate": round(len(people) / min(copy_s)),
                "api_rate": round(len(people) / min(api_s)),
                "missing_ms": round(missing_ms, 1),
                "missing_count": missing_count,
                "on_duty": sum(s.on_duty for s in summary),
                "enterprises": len(summary),
                "page": len(first_page),
                "checks_in_table": Check.objects.count(),
                "token": secret,
            }
        )
    )


WRK_SCRIPT = r"""
local people = {}
local token = os.getenv("WRK_TOKEN")
local counter = 0
local threads = 0

local function load()
  local f = assert(io.open(os.getenv("WRK_PEOPLE"), "r"))
  local text = f:read("*a")
  f:close()
  for code, gate in string.gmatch(text, '%["([%w]+)",%s*(%d+)%]') do
    people[#people + 1] = {code, gate}
  end
end

setup = function(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end

init = function(args)
  load()
  -- Each thread its own sequence (thread_no is set in this thread's state by setup), and each
  -- run its own (the clock), so no two requests carry the same check id.
  math.randomseed(os.time() * 7919 + thread_no * 104729 + math.floor(os.clock() * 1e6))
end

local function uuid4()
  local t = {}
  for i = 1, 16 do t[i] = math.random(0, 255) end
  t[7] = (t[7] % 16) + 64
  t[9] = (t[9] % 64) + 128
  return string.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
    t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8],
    t[9], t[10], t[11], t[12], t[13], t[14], t[15], t[16])
end

request = function()
  local p = people[math.random(1, #people)]
  local temp = string.format("36.%d", math.random(0, 8))
  local body = '{"id":"' .. uuid4() .. '","pass_code":"' .. p[1] .. '","temperature":"' .. temp ..
    '","masks_issued":1,"gate":' .. p[2] .. '}'
  return wrk.format("POST", "/api/v1/checks", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("P50_US %d\nP99_US %d\nMAX_US %d\nREQUESTS %d\nERRORS %d\n",
    latency:percentile(50), latency:percentile(99), latency.max, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg(command: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(command)
        return True
    except psycopg.Error:
        return False


def _count_checks() -> int:
    import psycopg

    with psycopg.connect(PG_URL) as c:
        return int(c.execute("SELECT count(*) FROM health_check").fetchone()[0])


def _serve(var: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "WORKGATE_VAR_DIR": var, "DATABASE_URL": PG_URL, "WORKGATE_LOCAL": "1"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/workgate"), "serve", "--port", str(port)],
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


def _wrk(var: str, port: int, token: str) -> dict[str, float]:
    script = Path(var, "checkin.lua")
    script.write_text(WRK_SCRIPT)
    env = {**os.environ, "WRK_TOKEN": token, "WRK_PEOPLE": str(Path(var, "people.json"))}
    # Warm up the workers (imports, connections), then measure.
    subprocess.run(
        ["wrk", "-t2", "-c8", "-d5s", "-s", str(script), f"http://127.0.0.1:{port}"],
        env=env,
        capture_output=True,
        check=True,
    )
    before = _count_checks()
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{WRK_CONNECTIONS}",
            f"-d{WRK_SECONDS}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stored = _count_checks() - before
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    values = dict(re.findall(r"^([A-Z0-9_]+) (\d+)$", out, re.MULTILINE))
    return {
        "rate": rate,
        "p50_ms": int(values["P50_US"]) / 1000,
        "p99_ms": int(values["P99_US"]) / 1000,
        "max_ms": int(values["MAX_US"]) / 1000,
        "requests": int(values["REQUESTS"]),
        "errors": int(values["ERRORS"]),
        "stored": stored,
    }


def _parallel_upload(var: str, port: int, token: str, devices: int) -> dict[str, float]:
    """Post the prepared batches over HTTP from `devices` threads at once (keep-alive
    connections); returns rows per second and how many were created."""
    import http.client
    import threading

    files = sorted(Path(var, "batches").glob("*.json"))
    bodies = [f.read_bytes() for f in files]
    created = [0] * devices
    failures: list[str] = []

    def device(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for body in bodies[i::devices]:
            conn.request("POST", "/api/v1/checks/batch", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                failures.append(f"{response.status} {data[:200]!r}")
                return
            created[i] += json.loads(data)["created"]

    threads = [threading.Thread(target=device, args=(i,)) for i in range(devices)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"parallel upload failed: {failures[0]}")
    rows = sum(len(json.loads(b)["checks"]) for b in bodies)
    return {"rate": rows / seconds, "created": sum(created), "rows": rows}


def run() -> list[Figure]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is needed for the HTTP benchmark: apt-get install wrk")
    if not (_pg(f"DROP DATABASE IF EXISTS {PG_DB}") and _pg(f"CREATE DATABASE {PG_DB}")):
        return [Figure("PostgreSQL", "not reachable: nothing measured")]
    try:
        with tempfile.TemporaryDirectory() as var:
            env = {**os.environ, "WORKGATE_VAR_DIR": var, "DATABASE_URL": PG_URL}
            env["WORKGATE_LOCAL"] = "1"
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_health", "--inner", var],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            port = _free_port()
            server = _serve(var, port)
            try:
                p = _parallel_upload(var, port, r["token"], devices=DEVICES)
                w = _wrk(var, port, r["token"])
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
    ratio = r["api_rate"] / r["copy_rate"]
    return [
        Figure(
            f"PostgreSQL: raw COPY of {r['rows']:,} checks (best of {RUNS}; table holds "
            f"{r['checks_in_table']:,} rows)",
            r["copy_rate"],
            "rows/s",
        ),
        Figure(
            f"PostgreSQL: the same rows through POST /api/v1/checks/batch ({BATCH} a batch)",
            r["api_rate"],
            "rows/s",
        ),
        Figure(
            "API batch ingest as a share of COPY, one upload at a time (in-process)",
            f"{ratio:.0%}",
            "",
            "≥ 50 %",
            ratio >= 0.5,
        ),
        Figure(
            f"The same through `workgate serve` over HTTP, {DEVICES} devices uploading at once "
            f"({p['created']:,} of {p['rows']:,} created)",
            round(p["rate"]),
            "rows/s",
        ),
        Figure(
            f"API batch ingest as a share of COPY, {DEVICES} devices at once over HTTP",
            f"{p['rate'] / r['copy_rate']:.0%}",
            "",
            "≥ 50 %",
            p["rate"] / r["copy_rate"] >= 0.5,
        ),
        Figure(
            f"Single check-ins over HTTP (wrk, {WRK_CONNECTIONS} connections, {WRK_SECONDS} s; "
            f"{w['requests']:,} requests, {w['errors']} errors, {w['stored']:,} stored)",
            round(w["rate"]),
            "per s",
            "≥ 500 per s",
            w["rate"] >= 500 and w["errors"] == 0 and w["stored"] >= w["requests"],
        ),
        Figure(
            f"Single check-in latency p99 (p50 {w['p50_ms']:.1f} ms, max {w['max_ms']:.0f} ms)",
            w["p99_ms"],
            "ms",
            "< 100 ms",
            w["p99_ms"] < 100,
        ),
        Figure(
            f"Missing-check list, whole community ({r['on_duty']:,} on duty in "
            f"{r['enterprises']} enterprises, {r['missing_count']:,} missing; median of 5)",
            r["missing_ms"],
            "ms",
            "≤ 300 ms",
            r["missing_ms"] <= 300,
        ),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inner"]:
        inner(sys.argv[2])
    else:
        for figure in run():
            print(figure)
