"""Audit log browsing and export; long jobs run on the real task worker and report progress."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from tests.access_helpers import assert_refused
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry, Job, Role


@pytest.fixture
def entries(world):
    for i in range(60):
        audit_record(
            actor=None,
            user=world.users["officer_a"],
            action=AuditEntry.Action.UPDATE,
            object_type="registry.employee",
            object_id=str(i),
            object_repr=f"张{i}",
            community_id=world.community.pk,
        )
    audit_record(
        actor=None,
        user=world.users["outsider_staff"],
        action=AuditEntry.Action.EXPORT,
        object_type="registry.employee",
        object_repr="外区导出",
        community_id=world.other_community.pk,
    )
    audit_record(
        actor=None,
        user=world.users["officer_a"],
        action=AuditEntry.Action.UPDATE,
        object_type="x",
        object_repr='=HYPERLINK("http://evil")',
        community_id=world.community.pk,
    )


def test_audit_page_lists_and_filters(world, entries):
    client = world.client("staff")
    page = client.get("/audit/", {"actor": "officer_a"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "61 entries" in page
    assert "外区导出" not in page
    filtered = client.get(
        "/audit/", {"action": "update", "object_type": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1 entry" in filtered
    partial = client.get(
        "/audit/", {"actor": "nobody"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "<html" not in partial and "0 entries" in partial


@pytest.mark.django_db(transaction=True)
def test_audit_export_runs_on_the_worker_with_progress(world, entries):
    # Committed for real: the worker runs in its own transactions, as in production.
    client = world.client("staff")
    with_job = client.post("/audit/export/", {"action": "update"}, HTTP_HX_REQUEST="true")
    assert with_job.status_code == 200
    job = Job.objects.get()
    assert job.status == Job.Status.QUEUED
    assert 'hx-trigger="every 1s"' in with_job.content.decode()

    call_command("worker", "--batch", verbosity=0)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert job.result["rows"] == 61
    status = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "every 1s" not in status and "job-download" in status
    download = client.get(f"/jobs/{job.pk}/download/")
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 62
    assert any(
        r[5].startswith("'=HYPERLINK") for r in rows
    )  # neutralised against formula injection
    assert AuditEntry.objects.filter(action="export", object_type="core.auditentry").exists()


def test_job_of_another_person_is_not_shown(world, entries):
    world.client("staff").post("/audit/export/", {})
    job = Job.objects.get()
    assert world.client("outsider_staff").get(f"/jobs/{job.pk}/").status_code == 404
    assert world.client("officer_a").get(f"/jobs/{job.pk}/").status_code == 404
    assert world.client("leader").get(f"/jobs/{job.pk}/").status_code == 200


def test_audit_export_refusals(world):
    assert_refused(
        world,
        "/audit/export/",
        allowed={Role.LEADER, Role.STAFF},
        method="post",
        marker="never-in-a-job-partial",
    )


def test_job_api(world, entries):
    world.client("staff").post("/audit/export/", {})
    job = Job.objects.get()
    body = world.client("staff").get(f"/api/v1/jobs/{job.pk}").json()
    assert body["status"] == "queued" and body["percent"] == 0
    assert world.client("outsider_staff").get(f"/api/v1/jobs/{job.pk}").status_code == 404
