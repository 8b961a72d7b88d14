"""Task-worker entry points of roster imports (registered in registry/apps.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workgate.core.access import Actor
from workgate.core.models import Job, Role
from workgate.registry.importing import pipeline
from workgate.registry.models import RosterImport


def _load(job: Job) -> tuple[RosterImport, Actor]:
    roster_import = RosterImport.objects.select_related("enterprise__community").get(
        pk=job.params["roster_import_id"], community_id=job.community_id
    )
    actor = Actor(
        community_id=job.community_id,
        enterprise_id=job.enterprise_id,
        role=Role(job.params["role"]),
        user=job.started_by,
    )
    return roster_import, actor


def preview_run(job: Job, report: Callable[[int, int, str], None]) -> dict[str, Any]:
    roster_import, _actor = _load(job)
    summary = pipeline.preview(roster_import, report)
    return {**summary, "roster_import": str(roster_import.pk)}


def import_run(job: Job, report: Callable[[int, int, str], None]) -> dict[str, Any]:
    roster_import, actor = _load(job)
    summary = pipeline.run(roster_import, report, actor=actor)
    # "file" lets the job page offer the report for download.
    return {**summary, "roster_import": str(roster_import.pk), "file": roster_import.report_file}
