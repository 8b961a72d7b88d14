"""Importing a 100,000-row roster (xlsx made with xlsxwriter: a title row, 12 realistic columns,
about 1 % bad rows — IDs mangled by Excel, bad phones, duplicates) into a fresh enterprise, end
to end (read, parse, check, write employees and timeline events, write the error report),
side by side with python-calamine only opening the file and iterating its rows, on SQLite and
on PostgreSQL (a scratch database, dropped afterwards). Each run is a process of its own with a
fresh database; the figures are the best of three runs per backend (calamine's read is timed
twice in each run, the import once), with the machine's load average before and after, since
the machine is shared. Peak Python memory (tracemalloc) is measured on one more import into
another community, since tracing slows the code down. Target: the import within 2× of
calamine's bare read."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure

TITLE = "Roster import: 100,000 rows, end to end vs. reading the file"
ROWS = 100_000
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_SCRATCH = "workgate_bench_import"
RUNS = 3
# Mainland carriers' three-digit prefixes (all valid for the CN mobile pattern).
MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + ["150", "151", "152", "155", "156", "157"]
MOBILE_PREFIXES += ["158", "159", "177", "180", "181", "182", "185", "186", "187", "188", "189"]


def make_roster(path: Path, rows: int = ROWS, seed: int = 7) -> dict[str, int]:
    """Write the roster; return how many rows of each kind of mistake it holds."""
    import xlsxwriter
    from stdnum.cn import ric

    rng = random.Random(seed)
    counties = ["330206", "330203", "330205", "420102", "341221", "511302", "522601", "430104"]
    places = ["浙江宁波北仑", "湖北省武汉市", "安徽阜阳临泉县", "四川南充", "贵州黔东南", "宁波"]
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("花名册")
    sheet.write_row(0, 0, ["宁波某某精密制造有限公司员工花名册 2020年2月"])
    header = ["序号", "姓名", "性别", "身份证号码", "手机号码", "户籍地", "现居住地"]
    header += ["车间", "班次", "宿舍号", "到岗日期", "在岗状态"]
    sheet.write_row(1, 0, header)
    mistakes = {"mangled_id": 0, "bad_phone": 0, "duplicate": 0}
    issued: list[str] = []
    for i in range(rows):
        county = rng.choice(counties)
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(16_000))
        body = f"{county}{birth:%Y%m%d}{i % 1000:03d}"
        number: object = body + ric.calc_check_digit(body + "0")
        # Unique within the file: the sequence plus the birth day make it so almost always.
        phone: object = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        roll = rng.random()
        if roll < 0.004:
            number, mistakes["mangled_id"] = float(str(number)[:17]), mistakes["mangled_id"] + 1
        elif roll < 0.007:
            phone, mistakes["bad_phone"] = phone[:8], mistakes["bad_phone"] + 1  # type: ignore[index]
        elif roll < 0.010 and issued:
            number, mistakes["duplicate"] = rng.choice(issued), mistakes["duplicate"] + 1
        if isinstance(number, str) and len(issued) < 5000:
            issued.append(number)
        sex = "男" if isinstance(number, str) and int(number[16]) % 2 else "女"
        sheet.write_row(
            i + 2,
            0,
            [
                i + 1,
                rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                sex if isinstance(number, str) else "",
                number,
                phone,
                rng.choice(places),
                rng.choice(places),
                rng.choice(["一车间", "二车间", "装配车间", "包装车间"]),
                rng.choice(["早班", "中班", "夜班"]),
                f"{rng.randint(1, 12)}号楼-{rng.randint(101, 630)}",
                f"2020-02-{rng.randint(10, 28)}",
                rng.choice(["在岗", "未返岗", "延迟返岗"]),
            ],
        )
    book.close()
    return mistakes


def _calamine(path: Path) -> float:
    import python_calamine

    started = time.perf_counter()
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    count = sum(1 for _ in sheet.iter_rows())
    elapsed = time.perf_counter() - started
    assert count == ROWS + 2
    return elapsed


def _worker(path: Path, traced: bool) -> None:
    """In a fresh process with DATABASE_URL set: migrate, import (and once more under
    tracemalloc if `traced`), print JSON figures."""
    import tracemalloc

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workgate.settings")
    django.setup()
    from django.core.management import call_command
    from stdnum.cn import uscc

    from workgate.core.access import Actor
    from workgate.core.models import Community, Enterprise
    from workgate.registry.importing import pipeline
    from workgate.registry.models import RosterImport, Shift

    call_command("migrate", verbosity=0)

    def fresh(n: int) -> RosterImport:
        community = Community.objects.create(
            name=f"基准{n}", slug=f"bench{n}", home_region_prefix="3302"
        )
        body = f"91330206{n:09d}"
        enterprise = Enterprise.objects.create(
            community=community,
            name=f"宁波基准{n}有限公司",
            credit_code=body + uscc.calc_check_digit(body),
        )
        for name, start in (("早班", 8), ("中班", 16), ("夜班", 0)):
            Shift.objects.create(
                enterprise=enterprise,
                name=name,
                starts=dt.time(start),
                ends=dt.time((start + 8) % 24),
            )
        analysis = pipeline.analyse(path, enterprise=enterprise)
        return RosterImport.objects.create(
            community=community,
            enterprise=enterprise,
            original_name=path.name,
            file=str(path),  # absolute: MEDIA_ROOT / absolute path is the path itself
            header_row=analysis.header_row,
            mapping={str(k): v for k, v in analysis.proposed.items()},
        )

    def progress(done: int, total: int, message: str) -> None:
        return None

    calamine = min(_calamine(path) for _ in range(2))
    first = fresh(1)
    started = time.perf_counter()
    result = pipeline.run(first, progress, actor=Actor.system(first.community_id))
    elapsed = time.perf_counter() - started

    peak = 0
    if traced:
        second = fresh(2)
        tracemalloc.start()
        pipeline.run(second, progress, actor=Actor.system(second.community_id))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(
        json.dumps(
            {
                "calamine": calamine,
                "import": elapsed,
                "created": result["created"],
                "error_rows": result["error_rows"],
                "peak_mb": peak / 1024 / 1024,
            }
        )
    )


def _run_backend(path: Path, database_url: str, var: str, traced: bool) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": database_url, "WORKGATE_VAR_DIR": var}
    mode = "--traced" if traced else "--worker"
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_import", mode, str(path)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _postgres(sql: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql)
    except Exception as exc:
        print(f"   PostgreSQL unavailable ({exc}); skipping it")
        return False
    return True


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as var:
        path = Path(var) / "roster-100k.xlsx"
        mistakes = make_roster(path)
        figures.append(Figure("rows in the file", ROWS))
        figures.append(Figure("rows with a mistake", sum(mistakes.values())))
        backends = ["SQLite"]
        if _postgres(f"DROP DATABASE IF EXISTS {PG_SCRATCH}"):
            backends.append("PostgreSQL")
        for label in backends:
            load_before = os.getloadavg()[0]
            runs = []
            for n in range(RUNS + 1):
                traced = n == RUNS
                if label == "SQLite":
                    url = f"sqlite:///{var}/bench-{n}.sqlite3"
                else:
                    _postgres(f"DROP DATABASE IF EXISTS {PG_SCRATCH}")
                    _postgres(f"CREATE DATABASE {PG_SCRATCH}")
                    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_SCRATCH
                runs.append(_run_backend(path, url, var, traced))
            if label == "PostgreSQL":
                _postgres(f"DROP DATABASE IF EXISTS {PG_SCRATCH}")
            load_after = os.getloadavg()[0]
            timed, traced_run = runs[:RUNS], runs[RUNS]
            calamine = min(r["calamine"] for r in runs)
            best = min(timed, key=lambda r: r["import"])
            ratio = best["import"] / calamine
            figures += [
                Figure(f"{label}: calamine open + iterate (best)", round(calamine, 2), "s"),
                Figure(
                    f"{label}: import end to end (best of {RUNS})", round(best["import"], 2), "s"
                ),
                Figure(
                    f"{label}: import end to end (all runs)",
                    " / ".join(f"{r['import']:.2f}" for r in timed),
                    "s",
                ),
                Figure(f"{label}: import ÷ calamine", round(ratio, 2), "×", "≤ 2×", ratio <= 2),
                Figure(f"{label}: employees created", int(best["created"])),
                Figure(f"{label}: rows refused", int(best["error_rows"])),
                Figure(
                    f"{label}: peak Python memory (tracemalloc)",
                    round(traced_run["peak_mb"], 1),
                    "MiB",
                ),
                Figure(
                    f"{label}: load average before / after (2 cores)",
                    f"{load_before:.2f} / {load_after:.2f}",
                ),
            ]
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("--worker", "--traced"):
        _worker(Path(sys.argv[2]), traced=sys.argv[1] == "--traced")
    else:
        for figure in run():
            print(figure)
