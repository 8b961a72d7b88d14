"""Writes of the registry. Each is keyword-only, runs in one transaction and is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from workgate.registry.models import Employee, Region, TimelineEvent
from workgate.registry.regions import region_rows


def regions_sync(*, using: str = "default") -> int:
    """Make the Region table hold the administrative divisions of python-stdnum's data set."""
    rows = region_rows()
    manager = Region.objects.using(using)
    if manager.count() == len(rows):
        return 0
    objs = [
        Region(
            code=row.code,
            name=row.name,
            full_name=row.full_name,
            level=row.level,
            parent_id=row.parent,
            province_code=row.province_code,
            is_current=row.is_current,
        )
        for row in rows
    ]
    with transaction.atomic(using=using):
        manager.bulk_create(
            objs,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "full_name", "level", "parent", "province_code", "is_current"],
        )
    return len(objs)


def timeline_add(
    *, employee: Employee, kind: str, params: dict[str, Any] | None = None, actor_label: str = ""
) -> TimelineEvent:
    """Add an event to a person's file. Every app records its events through this function."""
    return TimelineEvent.objects.create(
        employee=employee, kind=kind, params=params or {}, actor_label=actor_label
    )
