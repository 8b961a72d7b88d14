"""Work resumption on PostgreSQL: the full demo community (651 enterprises, about 100,000
employees) with its resumption story, and its checks table extended to 30 days (the demo's 14
days, plus 16 earlier days of gate checks for everyone on duty, COPYed in), in a fresh database.

Measured side by side in one run, median of 7 after one warm-up each:

- The community dashboard: `queries.dashboard` over the last 30 days (per day: enterprises
  planned and back at work, employees planned, people on duty counted from the checks;
  enterprises per status; applications due / overdue), and the whole page through Django's
  request handler (signed in as staff, template and chart data included), against the minimal
  SQL that computes the same figures: six hand-written statements (status counts, the returning
  roster, the planned batches cumulated over a generate_series of days, each enterprise's status
  at the end of each day by DISTINCT ON over the status history, distinct people checked per day,
  application counts).
- The daily report upward for today: `queries.day_rows` (every enterprise back at work with
  people on duty and non-local on duty from the day's checks, roster, quarantine and the four in
  place judged for each) and the page, against the minimal SQL for the same figures: the status
  at the end of the day, the day's presence per enterprise, the roster and quarantine counts, and
  the facts the conditions are judged on (screened, reached, gates, officers, shifts, entries,
  evidence), one grouped statement each.

Target: each ≤ 5× its minimal SQL.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure

TITLE = "Work resumption: dashboard and daily report against their minimal SQL"
ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "workgate_bench_resumption"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
RUNS = 7
DAYS = 30
TARGET = 5.0

DASHBOARD_SQL = [
    "SELECT status, count(*) FROM core_enterprise WHERE community_id = %(c)s GROUP BY status",
    """SELECT enterprise_id, count(*) FROM registry_employee
       WHERE community_id = %(c)s AND job_status IN ('active', 'away') GROUP BY enterprise_id""",
    """WITH roster AS (
         SELECT enterprise_id, count(*) AS n FROM registry_employee
         WHERE community_id = %(c)s AND job_status IN ('active', 'away') GROUP BY enterprise_id),
       planned AS (
         SELECT be.enterprise_id, min(b.date) AS first FROM resumption_batch b
         JOIN resumption_batch_enterprises be ON be.batch_id = b.id
         WHERE b.community_id = %(c)s GROUP BY be.enterprise_id)
       SELECT d::date, count(p.enterprise_id), coalesce(sum(r.n), 0)
       FROM generate_series(%(first)s::date, %(last)s::date, '1 day') d
       LEFT JOIN planned p ON p.first <= d LEFT JOIN roster r USING (enterprise_id)
       GROUP BY d ORDER BY d""",
    """SELECT d::date, count(*) FILTER (WHERE s.to_status = 'resumed'),
              count(*) FILTER (WHERE s.to_status = 'suspended')
       FROM generate_series(%(first)s::date, %(last)s::date, '1 day') d
       CROSS JOIN LATERAL (
         SELECT DISTINCT ON (enterprise_id) enterprise_id, to_status
         FROM resumption_statuschange
         WHERE community_id = %(c)s AND "on" <= d
         ORDER BY enterprise_id, "on" DESC, at DESC, id DESC) s
       GROUP BY d ORDER BY d""",
    """SELECT taken_on, count(DISTINCT employee_id) FROM health_check
       WHERE community_id = %(c)s AND taken_on BETWEEN %(first)s AND %(last)s
       GROUP BY taken_on""",
    """SELECT count(*) FILTER (WHERE state IN ('submitted','assigned','surveyed','verified')
                              AND due_on = %(last)s),
              count(*) FILTER (WHERE state IN ('submitted','assigned','surveyed','verified')
                              AND due_on < %(last)s),
              count(*) FILTER (WHERE state = 'reported'),
              count(*) FILTER (WHERE state = 'returned')
       FROM resumption_application WHERE community_id = %(c)s""",
]

REPORT_SQL = [
    """SELECT DISTINCT ON (enterprise_id) enterprise_id, to_status FROM resumption_statuschange
       WHERE community_id = %(c)s AND "on" <= %(last)s
       ORDER BY enterprise_id, "on" DESC, at DESC, id DESC""",
    """SELECT id, name, credit_code, resumed_on FROM core_enterprise
       WHERE community_id = %(c)s ORDER BY name""",
    """SELECT c.enterprise_id, count(DISTINCT c.employee_id),
              count(DISTINCT c.employee_id) FILTER (WHERE NOT e.is_local)
       FROM health_check c JOIN registry_employee e ON e.id = c.employee_id
       WHERE c.community_id = %(c)s AND c.taken_on = %(last)s GROUP BY c.enterprise_id""",
    """SELECT e.enterprise_id,
              count(*) FILTER (WHERE job_status IN ('active','away')),
              count(*) FILTER (WHERE quarantine_status <> 'none'),
              count(*) FILTER (WHERE job_status IN ('active','away')
                               AND quarantine_status = 'none' AND risk_level <> 'unknown'),
              count(*) FILTER (WHERE job_status IN ('active','away')
                               AND quarantine_status = 'none' AND (
                  e.id IN (SELECT employee_id FROM screening_calltask
                           WHERE community_id = %(c)s AND reached)
                  OR e.id IN (SELECT employee_id FROM health_declaration
                              WHERE community_id = %(c)s AND day >= %(since)s)))
       FROM registry_employee e WHERE e.community_id = %(c)s GROUP BY e.enterprise_id""",
    """SELECT g.enterprise_id, count(*) FROM health_gate g
       JOIN core_enterprise x ON x.id = g.enterprise_id
       WHERE x.community_id = %(c)s AND g.is_active GROUP BY g.enterprise_id""",
    """SELECT enterprise_id, count(*) FROM core_membership
       WHERE community_id = %(c)s AND role = 'officer' AND is_active GROUP BY enterprise_id""",
    """SELECT s.enterprise_id, count(DISTINCT s.starts) FROM registry_shift s
       JOIN core_enterprise x ON x.id = s.enterprise_id
       WHERE x.community_id = %(c)s GROUP BY s.enterprise_id""",
    """SELECT n.enterprise_id, n.condition_id, n.value, n.text, n.confirmed
       FROM resumption_conditionentry n JOIN resumption_condition k ON k.id = n.condition_id
       WHERE k.community_id = %(c)s AND k.active""",
    """SELECT v.enterprise_id, v.condition_id, v.kind, count(*) FROM resumption_evidence v
       JOIN resumption_condition k ON k.id = v.condition_id
       WHERE k.community_id = %(c)s AND k.active GROUP BY 1, 2, 3""",
]


def _median(fn, runs: int = RUNS) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def inner(var: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workgate.settings")
    django.setup()
    import datetime as dt
    import random
    import uuid

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from workgate.core.access import Actor
    from workgate.core.demo import build_demo, demo_community
    from workgate.core.models import Enterprise, Membership, Role
    from workgate.health import partitions
    from workgate.health.models import Check, Gate
    from workgate.health.queries import on_duty
    from workgate.resumption import queries, services

    scale = float(os.environ.get("BENCH_SCALE", "1.0"))
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    community = demo_community() or build_demo(scale=scale, seed=2020, log=lambda _m: None)
    demo_seconds = time.perf_counter() - started
    actor = Actor.system(community.pk)
    today = services.local_today(community.pk)
    first = today - dt.timedelta(days=DAYS - 1)

    # 16 more days of gate checks before the demo's fortnight: one a day for each person on duty.
    have = set(
        Check.objects.filter(community_id=community.pk)
        .values_list("taken_on", flat=True)
        .distinct()
    )
    extra_days = [
        first + dt.timedelta(days=i)
        for i in range(DAYS)
        if first + dt.timedelta(days=i) not in have
    ]
    partitions.ensure(extra_days)
    people = list(on_duty(actor).values_list("pk", "enterprise_id"))
    gates: dict[int, int] = {}
    for g in Gate.objects.filter(enterprise__community=community).order_by("pk"):
        gates.setdefault(g.enterprise_id, g.pk)
    rng = random.Random(30)
    cols = (
        "taken_on, uuid, taken_at, received_at, community_id, enterprise_id, employee_id, "
        "gate_id, kind, round_no, temperature, fever, masks_issued, source, recorded_by"
    )
    added = 0
    for day in extra_days:
        at = dt.datetime.combine(day, dt.time(0, 30), tzinfo=dt.UTC)
        with (
            transaction.atomic(),
            connection.cursor() as cur,
            cur.copy(f"COPY health_check ({cols}) FROM STDIN") as cp,
        ):
            for pk, ent in people:
                if rng.random() < 0.03:
                    continue
                cp.write_row(
                    (day, uuid.uuid4(), at, at, community.pk, ent, pk, gates.get(ent),
                     "gate", 1, "36.5", False, 1, "device", "bench")
                )  # fmt: skip
                added += 1
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        cur.execute("SELECT count(*) FROM health_check")
        checks = cur.fetchone()[0]

    params = {
        "c": community.pk,
        "first": first,
        "last": today,
        "since": today - dt.timedelta(days=14),
    }

    def run_sql(statements: list[str]) -> None:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql, params)
                cur.fetchall()

    staff_user = Membership.objects.filter(community=community, role=Role.STAFF).first().user
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff_user)
    assert client.get("/resumption/dashboard/").status_code == 200

    def dashboard_page() -> None:
        response = client.get(f"/resumption/dashboard/?since={first}")
        assert response.status_code == 200

    board = queries.dashboard(actor, today, first)
    rows = queries.day_rows(actor, today)
    result = {
        "demo_seconds": round(demo_seconds, 1),
        "enterprises": Enterprise.objects.filter(community=community).count(),
        "checks": checks,
        "added": added,
        "days": len(board.days),
        "report_rows": len(rows),
        "resumed_day5": board.days[DAYS - 14 + 4].resumed_enterprises,
        "on_duty_day5": board.days[DAYS - 14 + 4].on_duty,
        "dashboard_sql": _median(lambda: run_sql(DASHBOARD_SQL)),
        "dashboard_query": _median(lambda: queries.dashboard(actor, today, first)),
        "dashboard_page": _median(dashboard_page),
        "report_sql": _median(lambda: run_sql(REPORT_SQL)),
        "report_query": _median(lambda: queries.day_rows(actor, today)),
        "report_page": _median(lambda: client.get("/resumption/report/")),
        "report_xlsx": _median(
            lambda: b"".join(client.get("/resumption/report.xlsx").streaming_content)
        ),
    }
    print(json.dumps(result))


def _pg(command: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(command)
        return True
    except psycopg.Error:
        return False


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run() -> list[Figure]:
    if not (_pg(f"DROP DATABASE IF EXISTS {PG_DB}") and _pg(f"CREATE DATABASE {PG_DB}")):
        return [Figure("PostgreSQL", "not reachable: nothing measured")]
    try:
        with tempfile.TemporaryDirectory() as var:
            env = {
                **os.environ,
                "WORKGATE_VAR_DIR": var,
                "DATABASE_URL": PG_URL,
                "WORKGATE_LOCAL": "1",
            }
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_resumption", "--inner", var],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
    finally:
        _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
    figures = [
        Figure(
            f"Data: {r['enterprises']} enterprises, {r['checks']:,} checks over {DAYS} days "
            f"({r['added']:,} COPYed before the demo's 14); demo built in {r['demo_seconds']} s",
            "",
        ),
        Figure(
            "Demo's day 5 of resumption: enterprises back at work / people on duty (checked)",
            f"{r['resumed_day5']} / {r['on_duty_day5']:,}",
            target="about 260 / 30,000 (the seed)",
        ),
        Figure("Dashboard: minimal SQL (6 statements)", _ms(r["dashboard_sql"]), "ms"),
    ]
    for key, label in (("dashboard_query", "queries.dashboard"), ("dashboard_page", "the page")):
        ratio = r[key] / r["dashboard_sql"]
        figures.append(
            Figure(
                f"Dashboard, {label}: {_ms(r[key])} ms",
                round(ratio, 2),
                "× minimal SQL",
                target=f"≤ {TARGET:g}×",
                met=ratio <= TARGET,
            )
        )
    figures.append(
        Figure(
            f"Daily report ({r['report_rows']} enterprises): minimal SQL (9 statements)",
            _ms(r["report_sql"]),
            "ms",
        )
    )
    for key, label in (
        ("report_query", "queries.day_rows"),
        ("report_page", "the printable page"),
        ("report_xlsx", "the xlsx download"),
    ):
        ratio = r[key] / r["report_sql"]
        figures.append(
            Figure(
                f"Daily report, {label}: {_ms(r[key])} ms",
                round(ratio, 2),
                "× minimal SQL",
                target=f"≤ {TARGET:g}×",
                met=ratio <= TARGET,
            )
        )
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inner"]:
        inner(sys.argv[2])
    else:
        for figure in run():
            print(figure)
