"""Writes of the registry. Each is keyword-only, runs in one transaction and is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm, require_own_enterprise
from workgate.core.audit import audit_record
from workgate.core.jobs import job_start
from workgate.core.masking import mask_id_number, mask_phone
from workgate.core.models import AuditEntry, Community, Enterprise, Job
from workgate.core.phones import normalise_mobile
from workgate.core.services import ServiceError
from workgate.core.text import normalise_text
from workgate.registry.idnumbers import IdNumberError, parse_id_number
from workgate.registry.models import (
    Employee,
    Region,
    RosterImport,
    Shift,
    Site,
    TimelineEvent,
    TravelRecord,
    Workshop,
)
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
    """Add an event to a person's file. Every app records its events through this function;
    `workgate.registry.timeline` says how each kind is shown."""
    return TimelineEvent.objects.create(
        employee=employee, kind=kind, params=params or {}, actor_label=actor_label
    )


# --- Sites, workshops, shifts ---------------------------------------------------------------


def _part_create(
    *, actor: Actor, enterprise: Enterprise, model: type[Any], name: str, **fields: Any
) -> Any:
    """Create a site, workshop or shift: a name unique within the enterprise, audited."""
    require_own_enterprise(actor, enterprise, Perm.ENTERPRISE_MANAGE)
    name = normalise_text(name)
    if not name:
        raise ServiceError(_("Enter a name."), field="name")
    if model.objects.filter(enterprise=enterprise, name=name).exists():
        raise ServiceError(_("There is already one with this name."), field="name")
    part = model.objects.create(enterprise=enterprise, name=name, **fields)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=part)
    return part


@transaction.atomic
def site_add(*, actor: Actor, enterprise: Enterprise, name: str, address: str = "") -> Site:
    return _part_create(
        actor=actor, enterprise=enterprise, model=Site, name=name, address=normalise_text(address)
    )


@transaction.atomic
def workshop_add(
    *, actor: Actor, enterprise: Enterprise, name: str, site: Site | None = None
) -> Workshop:
    if site is not None and site.enterprise_id != enterprise.pk:
        raise ServiceError(_("That site belongs to another enterprise."), field="site")
    return _part_create(actor=actor, enterprise=enterprise, model=Workshop, name=name, site=site)


@transaction.atomic
def shift_add(
    *, actor: Actor, enterprise: Enterprise, name: str, starts: dt.time, ends: dt.time
) -> Shift:
    if starts == ends:
        raise ServiceError(_("A shift cannot start and end at the same time."), field="ends")
    return _part_create(
        actor=actor, enterprise=enterprise, model=Shift, name=name, starts=starts, ends=ends
    )


@transaction.atomic
def part_remove(*, actor: Actor, part: Site | Workshop | Shift) -> None:
    """Remove a site, workshop or shift; employees in it keep their file, without it."""
    require_own_enterprise(actor, part.enterprise, Perm.ENTERPRISE_MANAGE)
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=part)
    part.delete()


# --- Employees -------------------------------------------------------------------------------

EMPLOYEE_FIELDS = (
    "name",
    "id_number",
    "mobile",
    "current_region",
    "current_address",
    "arrival_date",
    "arrived",
    "workshop",
    "shift",
    "dorm_room",
    "job_status",
    "grid_member",
)


@dataclass
class EmployeeInput:
    """What a person types into the file form (or an API client sends)."""

    name: str
    id_number: str
    mobile: str = ""
    current_region: Region | None = None
    current_address: str = ""
    arrival_date: dt.date | None = None
    arrived: bool = False
    workshop: Workshop | None = None
    shift: Shift | None = None
    dorm_room: str = ""
    job_status: str = Employee.JobStatus.ACTIVE
    grid_member: Any = None


def _employee_clean(
    data: EmployeeInput, *, enterprise: Enterprise, exclude_pk: int | None
) -> dict[str, Any]:
    name = normalise_text(data.name)
    if not name:
        raise ServiceError(_("Enter the person's name."), field="name")
    try:
        parsed = parse_id_number(data.id_number)
    except IdNumberError as exc:
        raise ServiceError(str(exc), field="id_number") from exc
    clash = (
        Employee.objects.filter(community_id=enterprise.community_id, id_number=parsed.number)
        .exclude(pk=exclude_pk)
        .select_related("enterprise")
        .first()
    )
    if clash is not None:
        if clash.enterprise_id == enterprise.pk:
            message = _("This ID number already has a file in this enterprise (%(name)s).") % {
                "name": clash.name
            }
        else:
            message = _(
                "This ID number already has a file at %(enterprise)s. Ask them or community "
                "staff to move the person; files are never moved silently."
            ) % {"enterprise": clash.enterprise.name}
        raise ServiceError(message, field="id_number", code="duplicate")
    mobile = ""
    if normalise_text(data.mobile or ""):
        mobile = normalise_mobile(data.mobile) or ""
        if not mobile:
            raise ServiceError(
                _("That is not a mobile number in mainland China (11 digits starting with 1)."),
                field="mobile",
            )
    for part, label in ((data.workshop, "workshop"), (data.shift, "shift")):
        if part is not None and part.enterprise_id != enterprise.pk:
            raise ServiceError(_("That belongs to another enterprise."), field=label)
    if data.job_status not in Employee.JobStatus.values:
        raise ServiceError(_("Choose a job status from the list."), field="job_status")
    community: Community = enterprise.community
    return {
        "name": name,
        "id_number": parsed.number,
        "sex": parsed.sex,
        "birth_date": parsed.birth_date,
        "hukou_code": parsed.number[:6],
        "hukou_region_id": parsed.region.code,
        "is_local": parsed.number.startswith(community.home_region_prefix),
        "mobile": mobile,
        "current_region": data.current_region,
        "current_address": normalise_text(data.current_address or ""),
        "arrival_date": data.arrival_date,
        "arrived": bool(data.arrived),
        "workshop": data.workshop,
        "shift": data.shift,
        "dorm_room": normalise_text(data.dorm_room or ""),
        "job_status": data.job_status,
        "grid_member": data.grid_member,
    }


@transaction.atomic
def employee_register(*, actor: Actor, enterprise: Enterprise, data: EmployeeInput) -> Employee:
    """Open a file for a person in an enterprise."""
    require_own_enterprise(actor, enterprise, Perm.EMPLOYEE_MANAGE)
    clean = _employee_clean(data, enterprise=enterprise, exclude_pk=None)
    employee = Employee.objects.create(
        community_id=enterprise.community_id, enterprise=enterprise, **clean
    )
    timeline_add(employee=employee, kind="registry.registered", actor_label=actor.label)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=employee,
        object_repr=employee.audit_label,
    )
    return employee


def _comparable(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def employee_update(*, actor: Actor, employee: Employee, data: EmployeeInput) -> Employee:
    """Change a person's file; the changed fields go to the timeline and the audit log."""
    require_own_enterprise(actor, employee.enterprise, Perm.EMPLOYEE_MANAGE)
    clean = _employee_clean(data, enterprise=employee.enterprise, exclude_pk=employee.pk)
    changed = [f for f, v in clean.items() if _comparable(getattr(employee, f)) != _comparable(v)]
    if not changed:
        return employee
    for field in changed:
        setattr(employee, field, clean[field])
    employee.save(update_fields=[*changed, "updated_at"])
    shown = sorted({f.removesuffix("_id") for f in changed})
    timeline_add(
        employee=employee,
        kind="registry.updated",
        params={"fields": shown},
        actor_label=actor.label,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=employee,
        object_repr=employee.audit_label,
        detail={"fields": shown},
    )
    return employee


@transaction.atomic
def travel_add(
    *,
    actor: Actor,
    employee: Employee,
    region: Region,
    date_from: dt.date,
    date_to: dt.date | None,
    means: str,
) -> TravelRecord:
    require_own_enterprise(actor, employee.enterprise, Perm.EMPLOYEE_MANAGE)
    if date_to is not None and date_to < date_from:
        raise ServiceError(_("The end date is before the start date."), field="date_to")
    if means not in TravelRecord.Means.values:
        means = TravelRecord.Means.OTHER
    travel = TravelRecord.objects.create(
        employee=employee, region=region, date_from=date_from, date_to=date_to, means=means
    )
    timeline_add(
        employee=employee,
        kind="registry.travel",
        params={"region": region.full_name, "from": str(date_from), "to": str(date_to or "")},
        actor_label=actor.label,
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=travel)
    return travel


REVEALABLE = {"id_number": mask_id_number, "mobile": mask_phone}


def employee_edit_opened(*, actor: Actor, employee: Employee, request: Any = None) -> None:
    """The edit form shows the ID number and phone in full: that read is audited too."""
    require_own_enterprise(actor, employee.enterprise, Perm.EMPLOYEE_MANAGE)
    actor.check(Perm.PERSONAL_DATA_REVEAL)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.REVEAL,
        obj=employee,
        object_repr=employee.audit_label,
        detail={"field": "id_number,mobile", "via": "edit form"},
        request=request,
    )


@transaction.atomic
def personal_data_reveal(
    *, actor: Actor, employee: Employee, field: str, request: Any = None
) -> str:
    """The unmasked value of one field, for a role that needs it; every reveal is audited."""
    require_own_enterprise(actor, employee.enterprise, Perm.PERSONAL_DATA_REVEAL)
    if field not in REVEALABLE:
        raise ServiceError(_("This field cannot be revealed."), field=field)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.REVEAL,
        obj=employee,
        object_repr=employee.audit_label,
        detail={"field": field},
        request=request,
    )
    return getattr(employee, field)


# --- Roster imports: upload, check (dry run), import. The work is in registry/importing. ----

IMPORT_SUFFIXES = (".xlsx", ".xls", ".csv", ".txt")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@transaction.atomic
def roster_import_create(*, actor: Actor, enterprise: Enterprise, upload: Any) -> RosterImport:
    """Keep an uploaded roster under var/media/imports and open its import record."""
    require_own_enterprise(actor, enterprise, Perm.EMPLOYEE_MANAGE)
    original = Path(str(upload.name)).name[:200] or "roster"
    if Path(original).suffix.lower() not in IMPORT_SUFFIXES:
        raise ServiceError(
            _("This is not an Excel or CSV file. Save the roster as .xlsx, .xls or .csv."),
            field="file",
        )
    if upload.size > MAX_UPLOAD_BYTES:
        raise ServiceError(_("The file is larger than 50 MB."), field="file")
    if upload.size == 0:
        raise ServiceError(_("The file is empty."), field="file")
    roster_import = RosterImport(
        community_id=enterprise.community_id,
        enterprise=enterprise,
        uploaded_by=actor.user,
        original_name=original,
    )
    relative = Path("imports") / str(roster_import.pk) / f"upload{Path(original).suffix.lower()}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    roster_import.file = str(relative)
    roster_import.save()
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=roster_import)
    return roster_import


@transaction.atomic
def roster_import_check(
    *, actor: Actor, roster_import: RosterImport, header_row: int, mapping: dict[str, str]
) -> Job:
    """Confirm the column mapping and check every row on the worker (nothing written yet)."""
    require_own_enterprise(actor, roster_import.enterprise, Perm.EMPLOYEE_MANAGE)
    if roster_import.status not in (RosterImport.Status.UPLOADED, RosterImport.Status.PREVIEWED):
        raise ServiceError(_("This import has already run."), code="conflict")
    from workgate.registry.importing.columns import REQUIRED

    mapped = set(mapping.values())
    missing = [f for f in REQUIRED if f not in mapped]
    if missing:
        raise ServiceError(
            _("Choose the column that holds: %(fields)s.")
            % {"fields": ", ".join(str(Employee._meta.get_field(f).verbose_name) for f in missing)},
            field="mapping",
        )
    doubles = sorted({f for f in mapped if list(mapping.values()).count(f) > 1})
    if doubles:
        raise ServiceError(
            _("Each field can come from one column only: %(fields)s.")
            % {"fields": ", ".join(str(Employee._meta.get_field(f).verbose_name) for f in doubles)},
            field="mapping",
        )
    roster_import.header_row = header_row
    roster_import.mapping = mapping
    roster_import.status = RosterImport.Status.PREVIEWING
    roster_import.save(update_fields=["header_row", "mapping", "status"])
    job = job_start(
        actor=actor,
        kind="roster_preview",
        params={
            "roster_import_id": str(roster_import.pk),
            "next": roster_import_url(roster_import),
        },
    )
    roster_import.job = job
    roster_import.save(update_fields=["job"])
    return job


@transaction.atomic
def roster_import_start(*, actor: Actor, roster_import: RosterImport, policy: str) -> Job:
    """Write the checked roster on the worker, under the chosen policy."""
    require_own_enterprise(actor, roster_import.enterprise, Perm.EMPLOYEE_MANAGE)
    if roster_import.status != RosterImport.Status.PREVIEWED:
        raise ServiceError(_("Check the file before importing it."), code="conflict")
    if policy not in RosterImport.Policy.values:
        raise ServiceError(_("Choose what to do with wrong rows."), field="policy")
    roster_import.policy = policy
    roster_import.status = RosterImport.Status.IMPORTING
    roster_import.save(update_fields=["policy", "status"])
    job = job_start(
        actor=actor,
        kind="roster_import",
        params={
            "roster_import_id": str(roster_import.pk),
            "next": roster_import_url(roster_import),
        },
    )
    roster_import.job = job
    roster_import.save(update_fields=["job"])
    return job


def roster_import_url(roster_import: RosterImport) -> str:
    from django.urls import reverse

    return reverse("registry:import_detail", kwargs={"pk": roster_import.pk})


# --- Writes other apps make to a file (screening, health, isolation) ------------------------

RISK_BATCH = 2000


def employees_risk_set(*, levels: dict[int, str]) -> int:
    """Set the risk level of many employees at once (screening's reassessment).

    One UPDATE per level and batch rather than a row-by-row save: a risk-list change
    reassesses up to 100,000 people. The caller has already scoped and authorised the work.
    """
    by_level: dict[str, list[int]] = {}
    for pk, level in levels.items():
        if level not in Employee.Risk.values:
            raise ValueError(f"unknown risk level {level!r}")
        by_level.setdefault(level, []).append(pk)
    changed = 0
    with transaction.atomic():
        for level, pks in by_level.items():
            for start in range(0, len(pks), RISK_BATCH):
                chunk = pks[start : start + RISK_BATCH]
                changed += (
                    Employee.objects.filter(pk__in=chunk)
                    .exclude(risk_level=level)
                    .update(risk_level=level)
                )
    return changed


@transaction.atomic
def employee_whereabouts_confirm(
    *,
    actor: Actor,
    employee: Employee,
    region: Region | None,
    address: str = "",
    arrival_date: dt.date | None = None,
    job_status: str | None = None,
) -> Employee:
    """What a call confirmed about where a person is and when they come back."""
    if not (actor.can(Perm.CALL_WORK) or actor.can(Perm.EMPLOYEE_MANAGE)):
        raise PermissionDenied
    if employee.community_id != actor.community_id:
        raise PermissionDenied
    changes: dict[str, Any] = {}
    if region is not None and employee.current_region_id != region.code:
        changes["current_region"] = region
    if address and normalise_text(address) != employee.current_address:
        changes["current_address"] = normalise_text(address)[:200]
    if arrival_date is not None and employee.arrival_date != arrival_date:
        changes["arrival_date"] = arrival_date
    if job_status is not None and job_status != employee.job_status:
        if job_status not in Employee.JobStatus.values:
            raise ServiceError(_("Choose a job status from the list."), field="job_status")
        changes["job_status"] = job_status
    if not changes:
        return employee
    for field, value in changes.items():
        setattr(employee, field, value)
    employee.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=employee,
        object_repr=employee.audit_label,
        detail={"fields": sorted(changes), "via": "call"},
    )
    return employee


def roster_import_report_read(
    *, actor: Actor, roster_import: RosterImport, request: Any = None
) -> None:
    """The error report holds the bad rows as uploaded (unmasked): downloading it is an export."""
    require_own_enterprise(actor, roster_import.enterprise, Perm.EMPLOYEE_MANAGE)
    if not roster_import.report_file:
        from django.http import Http404

        raise Http404
    audit_record(
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        obj=roster_import,
        detail={"file": "import report", "rows": roster_import.error_count},
        request=request,
    )


def timeline_add_many(events: Iterable[TimelineEvent]) -> None:
    """Add events (unsaved TimelineEvents) to people's files in one statement: for a service
    that records the same kind of event for many people at once (a device's batch of checks
    with its fevers)."""
    TimelineEvent.objects.bulk_create(events)


def employees_health_set(*, employee_ids: Iterable[int], health_status: str) -> int:
    """`employee_health_set` for many people in one statement; returns how many changed."""
    if health_status not in Employee.Health.values:
        raise ValueError(f"unknown health status {health_status!r}")
    return (
        Employee.objects.filter(pk__in=list(employee_ids))
        .exclude(health_status=health_status)
        .update(health_status=health_status)
    )


def employee_health_set(*, employee: Employee, health_status: str) -> bool:
    """Set a person's health status (daily health's fever incidents call this). The caller has
    authorised the change and records it on the timeline; returns whether anything changed."""
    if health_status not in Employee.Health.values:
        raise ValueError(f"unknown health status {health_status!r}")
    changed = (
        Employee.objects.filter(pk=employee.pk)
        .exclude(health_status=health_status)
        .update(health_status=health_status)
    )
    employee.health_status = health_status
    return bool(changed)
