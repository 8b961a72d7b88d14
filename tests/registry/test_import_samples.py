"""The sample rosters in docs/samples answer what docs/samples/README.md says."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from tests.registry import make_import, no_progress, officer
from workgate.registry.importing import pipeline
from workgate.registry.models import Employee, Shift, Workshop

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path, world):
    settings.MEDIA_ROOT = tmp_path / "media"
    for name, start, end in (("早班", "08:00", "16:00"), ("中班", "16:00", "00:00")):
        Shift.objects.create(enterprise=world.enterprise_a, name=name, starts=start, ends=end)
    with translation.override("en"):
        yield


def run_sample(world, name):
    roster_import = make_import(world.enterprise_a, SAMPLES / name)
    analysis = pipeline.analyse(SAMPLES / name, enterprise=world.enterprise_a)
    roster_import.header_row = analysis.header_row
    roster_import.mapping = {str(k): v for k, v in analysis.proposed.items()}
    roster_import.save()
    result = pipeline.run(roster_import, no_progress, actor=officer(world))
    return analysis, result, {(e["row"], e["column"]): e["reason"] for e in result["errors"]}


def test_gbk_csv(world):
    analysis, result, errors = run_sample(world, "roster-gbk.csv")
    assert analysis.file_kind == "csv" and analysis.encoding == "gb18030"
    assert len(analysis.proposed) == 11  # every column but 序号
    assert result["created"] == 3
    assert set(errors) == {
        (2, "身份证号码"),
        (9, "身份证号码"),
        (6, "手机号码"),
        (7, "身份证号码"),
        (8, "身份证号码"),
    }
    assert errors[(2, "身份证号码")] == "The same ID number is also on row 9."
    assert "check digit" in errors[(7, "身份证号码")]
    assert "17 digits" in errors[(8, "身份证号码")]
    li = Employee.objects.get(name="李娜")
    assert li.mobile == "13957422345" and li.current_region_id == "420102"
    assert li.job_status == Employee.JobStatus.AWAY
    assert Employee.objects.filter(name="张伟").exists()  # full-width ID
    assert Employee.objects.get(name="刘洋").id_number.endswith("X")


def test_xlsx_with_title_row_and_number_ids(world):
    analysis, result, errors = run_sample(world, "roster-title-row.xlsx")
    assert analysis.header_row == 1 and analysis.file_kind == "xlsx"
    assert result["created"] == 3
    assert set(errors) == {(4, "身份证号码"), (5, "身份证号码"), (6, "性别"), (8, "手机号码")}
    assert "stored by Excel as a number" in errors[(4, "身份证号码")]
    assert "4.20106E+17" in errors[(5, "身份证号码")]
    assert "female" in errors[(6, "性别")]
    assert Employee.objects.get(name="周杰").mobile == "13957412345"  # a number cell


def test_old_xls(world):
    analysis, result, errors = run_sample(world, "roster-old.xls")
    assert analysis.file_kind == "xls"
    assert analysis.proposed == {
        0: "name",
        1: "id_number",
        2: "mobile",
        3: "workshop",
        4: "shift",
        5: "arrival_date",
    }
    assert result["created"] == 1
    assert set(errors) == {(3, "联系电话"), (4, "班组"), (5, "返岗日期")}
    assert "早班、中班" in errors[(4, "班组")]
    old = Employee.objects.get(name="钱大伯")
    assert len(old.id_number) == 18 and old.id_number.startswith("33020619700101")
    assert set(
        Workshop.objects.filter(enterprise=world.enterprise_a).values_list("name", flat=True)
    ) == {"仓储部"}
