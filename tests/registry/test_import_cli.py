"""`workgate import-roster`: synchronous imports from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.registry import HEADER, person_id, write_csv
from workgate.core.models import AuditEntry
from workgate.registry.models import Employee, RosterImport


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def rows(bad: bool = False) -> list[list[object]]:
    out = [HEADER, *[[i, f"王{i}", person_id(i), "13812345678", "一车间", ""] for i in (1, 2)]]
    if bad:
        out.append([3, "坏", "123", "", "", ""])
    return out


def call(*args: str) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("import_roster", *args, "--language", "en", stdout=out)
    except SystemExit as exc:
        return out.getvalue(), int(exc.code or 0)
    return out.getvalue(), 0


def test_json_output_is_exactly_the_contract(world, tmp_path):
    path = write_csv(tmp_path / "r.csv", rows(bad=True))
    out, code = call(str(path), "--enterprise", world.enterprise_a.credit_code, "--json")
    assert code == 1
    assert json.loads(out) == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {
                "row": 4,
                "column": "身份证号码",
                "reason": "The ID number must have 18 characters; this one has 3.",
            }
        ],
    }
    roster_import = RosterImport.objects.get()
    assert roster_import.status == RosterImport.Status.DONE and roster_import.uploaded_by is None
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert entry.actor_label == "system" and entry.community_id == world.community.pk


def test_readable_summary_and_exit_code_zero_when_all_rows_pass(world, tmp_path):
    path = write_csv(tmp_path / "r.csv", rows())
    out, code = call(str(path), "--enterprise", world.enterprise_a.credit_code)
    assert code == 0
    assert out.startswith("2 new, 0 changed, 0 unchanged, 0 errors.")
    out, code = call(str(path), "--enterprise", world.enterprise_a.credit_code.lower())
    assert code == 0 and "0 new, 0 changed, 2 unchanged" in out


def test_all_or_nothing_refuses_with_exit_code_one(world, tmp_path):
    path = write_csv(tmp_path / "r.csv", rows(bad=True))
    out, code = call(
        str(path), "--enterprise", world.enterprise_a.credit_code, "--policy", "all-or-nothing"
    )
    assert code == 1
    assert "Nothing was imported" in out and "Row 4, 身份证号码" in out
    assert not Employee.objects.filter(name__startswith="王").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p, w: (str(p / "nope.csv"), w.enterprise_a.credit_code), "No such file"),
        (lambda p, w: (str(write_csv(p / "r.csv", rows())), "91330206XXXXXXXXXX"), "No enterprise"),
        (
            lambda p, w: (
                str(write_csv(p / "r.csv", [["姓名", "电话"], ["王五", "13812345678"]])),
                w.enterprise_a.credit_code,
            ),
            "Resident ID number",
        ),
        (
            lambda p, w: (
                str((p / "x.csv").write_bytes(b"\x00\x01binary") and p / "x.csv"),
                w.enterprise_a.credit_code,
            ),
            "not an Excel or CSV file",
        ),
    ],
    ids=["missing-file", "unknown-enterprise", "no-id-column", "binary"],
)
def test_mistakes_are_one_line_errors(world, tmp_path, setup, message):
    path, code = setup(tmp_path, world)
    with pytest.raises(CommandError, match=message) as caught:
        call_command("import_roster", path, "--enterprise", code, "--language", "en")
    assert caught.value.returncode == 2
    assert "\n" not in str(caught.value)


def test_the_workgate_command_with_hyphens_fails_in_one_line(tmp_path):
    # The success path runs through call_command above; here, the real `workgate` entry point
    # (hyphenated name, one-line error, exit status 2) without touching the test database.
    missing = subprocess.run(
        [sys.executable, "-m", "workgate.cli", "import-roster", str(tmp_path / "nope.csv"),
         "--enterprise", "X", "--language", "en"],
        env={**os.environ, "PYTHONPATH": str(Path.cwd())}, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"CommandError: No such file: {tmp_path / 'nope.csv'}"
