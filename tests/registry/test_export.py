"""Employee export: a real xlsx / csv from the worker, masked per role, formula-safe, audited."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from tests.access_helpers import assert_refused
from tests.factories import id_number, make_employee
from workgate.core.models import AuditEntry, Job, Role

pytestmark = pytest.mark.django_db(transaction=True)


def run_export(world, persona: str, fmt: str, **filters: str) -> Job:
    client = world.client(persona)
    response = client.post(
        "/registry/employees/export/", {"format": fmt, **filters}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    call_command("worker", "--batch", verbosity=0)
    job = Job.objects.get(kind="employee_export", started_by=world.users[persona])
    assert job.status == Job.Status.DONE, job.message
    return job


def test_staff_export_xlsx_has_full_numbers_and_is_audited(world):
    make_employee(world.enterprise_a, name='=HYPERLINK("x")', id_number=id_number(seq=901))
    job = run_export(world, "staff", "xlsx")
    path = Path(settings.MEDIA_ROOT) / job.result_file
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert len(rows) == 4
    ids = {r[2] for r in rows[1:]}
    assert id_number(seq=901) in ids
    assert all(isinstance(v, str) and len(v) == 18 for v in ids)  # text, never numbers
    assert any(str(r[1]).startswith("'=HYPERLINK") for r in rows[1:])
    entry = AuditEntry.objects.get(action="export", object_type="registry.employee")
    assert entry.detail["unmasked"] is True
    assert entry.detail["rows"] == 3


def test_leader_export_csv_is_masked(world):
    job = run_export(world, "leader", "csv", local="yes")
    path = Path(settings.MEDIA_ROOT) / job.result_file
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 3
    assert all("********" in r[2] for r in rows[1:])
    assert all("****" in r[5] for r in rows[1:])
    assert AuditEntry.objects.get(action="export").detail["unmasked"] is False


def test_officer_export_is_own_enterprise_only(world):
    job = run_export(world, "officer_b", "csv", enterprise=str(world.enterprise_a.pk))
    path = Path(settings.MEDIA_ROOT) / job.result_file
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [world.enterprise_b.name]


def test_export_refuses_others(world):
    assert_refused(
        world,
        "/registry/employees/export/",
        method="post",
        data={"format": "csv"},
        allowed={Role.LEADER, Role.STAFF, Role.OFFICER},
        marker="never-in-a-job-partial",
    )
