"""Employee export as xlsx or csv: masked per role, formula-safe, run on the worker, audited."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import xlsxwriter
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm
from workgate.core.audit import audit_record
from workgate.core.jobs import job_start
from workgate.core.masking import mask_id_number, mask_phone
from workgate.core.models import AuditEntry, Job, Role
from workgate.core.services import ServiceError
from workgate.core.spreadsheet import neutralise_formula
from workgate.registry import queries

FORMATS = ("xlsx", "csv")


def export_start(*, actor: Actor, filters: queries.EmployeeFilters, file_format: str) -> Job:
    actor.check(Perm.EMPLOYEE_VIEW)
    if file_format not in FORMATS:
        raise ServiceError(_("Choose xlsx or csv."), field="format")
    return job_start(
        actor=actor,
        kind="employee_export",
        params={"filters": asdict(filters), "format": file_format},
    )


def _header() -> list[str]:
    return [
        _("Enterprise"),
        _("Name"),
        _("Resident ID number"),
        _("Sex"),
        _("Birth date"),
        _("Mobile number"),
        _("Household-registration region"),
        _("Local"),
        _("Workshop"),
        _("Shift"),
        _("Dorm room"),
        _("Current whereabouts"),
        _("Arrival date"),
        _("Job status"),
        _("Health"),
        _("Risk"),
        _("Quarantine"),
    ]


def _rows(rows: Any, unmasked: bool) -> Iterator[list[Any]]:
    for e in rows.iterator(chunk_size=2000):
        yield [
            e.enterprise.name,
            e.name,
            e.id_number if unmasked else mask_id_number(e.id_number),
            e.get_sex_display(),
            e.birth_date.isoformat(),
            e.mobile if unmasked else mask_phone(e.mobile),
            e.hukou_region.full_name if e.hukou_region else e.hukou_code,
            _("Yes") if e.is_local else _("No"),
            e.workshop.name if e.workshop else "",
            e.shift.name if e.shift else "",
            e.dorm_room,
            e.current_region.full_name if e.current_region else "",
            e.arrival_date.isoformat() if e.arrival_date else "",
            e.get_job_status_display(),
            e.get_health_status_display(),
            e.get_risk_level_display(),
            e.get_quarantine_status_display(),
        ]


def export_run(job: Job, report: Callable[[int, int, str], None]) -> dict[str, Any]:
    actor = Actor(
        community_id=job.community_id,
        enterprise_id=job.enterprise_id,
        role=Role(job.params["role"]),
        user=job.started_by,
    )
    filters = queries.EmployeeFilters(**job.params.get("filters", {}))
    rows = queries.employee_rows(actor=actor, filters=filters).select_related(
        "shift", "current_region"
    )
    total = rows.count()
    # Roles that may reveal personal data on screen get it whole in the file; the export itself
    # is audited with that fact. Others get the masked values they see on screen.
    unmasked = actor.can(Perm.PERSONAL_DATA_REVEAL)
    file_format = job.params.get("format", "xlsx")
    out_dir = Path(settings.MEDIA_ROOT) / "exports"
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"employees-{timezone.localtime():%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.{file_format}"
    path = out_dir / name
    message = _("Writing employees")
    if file_format == "csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(_header())
            for done, row in enumerate(_rows(rows, unmasked), start=1):
                writer.writerow([neutralise_formula(v) for v in row])
                report(done, total, message)
    else:
        book = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False},
        )
        sheet = book.add_worksheet(_("Employees"))
        bold = book.add_format({"bold": True})
        sheet.write_row(0, 0, _header(), bold)
        sheet.set_column(0, 0, 30)
        sheet.set_column(2, 2, 21)
        sheet.set_column(6, 6, 24)
        for done, row in enumerate(_rows(rows, unmasked), start=1):
            # Written as strings: ID numbers must never become numbers in Excel.
            sheet.write_row(done, 0, [neutralise_formula(v) for v in row])
            report(done, total, message)
        book.close()
    report(total, total, _("Done"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.EXPORT,
            object_type="registry.employee",
            object_repr=name,
            detail={
                "rows": total,
                "unmasked": unmasked,
                "format": file_format,
                "filters": job.params.get("filters", {}),
            },
        )
    return {"file": f"exports/{name}", "rows": total}
