"""Roster imports on the task worker: the job runners registered in registry/apps.py."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.registry import HEADER, make_import, officer, person_id, write_csv
from workgate.core.jobs import job_start
from workgate.core.models import Job
from workgate.registry.models import Employee, RosterImport


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)
def test_preview_then_import_on_the_worker_in_the_uploaders_language(world, tmp_path):
    rows = [HEADER, [1, "王一", person_id(1), "", "", ""], [2, "坏", "123", "", "", ""]]
    roster_import = make_import(world.enterprise_a, write_csv(tmp_path / "r.csv", rows))
    roster_import.mapping = {"1": "name", "2": "id_number"}
    roster_import.header_row = 0
    roster_import.save()
    actor = officer(world)

    with translation.override("en"):
        job = job_start(
            actor=actor, kind="roster_preview", params={"roster_import_id": str(roster_import.pk)}
        )
    call_command("worker", "--batch", verbosity=0)
    job.refresh_from_db()
    roster_import.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert roster_import.status == RosterImport.Status.PREVIEWED
    assert job.result["created"] == 1 and job.result["error_count"] == 1
    assert roster_import.errors[0]["reason"].startswith("The ID number must have 18")
    assert not Employee.objects.filter(name="王一").exists()

    with translation.override("en"):
        job = job_start(
            actor=actor, kind="roster_import", params={"roster_import_id": str(roster_import.pk)}
        )
    call_command("worker", "--batch", verbosity=0)
    job.refresh_from_db()
    roster_import.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert roster_import.status == RosterImport.Status.DONE
    assert job.result_file == roster_import.report_file != ""
    assert job.percent == 100
    assert Employee.objects.get(name="王一").enterprise == world.enterprise_a
    assert job.result["errors"][0]["row"] == 3


@pytest.mark.django_db(transaction=True)
def test_a_job_cannot_reach_another_communitys_import(world, tmp_path):
    roster_import = make_import(
        world.enterprise_other, write_csv(tmp_path / "r.csv", [HEADER, [1, "王一", person_id(1)]])
    )
    job = job_start(
        actor=officer(world),
        kind="roster_preview",
        params={"roster_import_id": str(roster_import.pk)},
    )
    call_command("worker", "--batch", verbosity=0)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.UPLOADED
