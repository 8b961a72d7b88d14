"""The missing-check list of a round as an xlsx file: masked as on screen, formula-safe, audited.

Written in the request, not on the task worker: a round's missing list is the people still to
be found, normally a few hundred; even a whole community before its first round (100,000 rows)
takes a few seconds with xlsxwriter's constant-memory mode.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import IO, Any

import xlsxwriter
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm
from workgate.core.audit import audit_record
from workgate.core.masking import mask_id_number, mask_phone
from workgate.core.models import AuditEntry
from workgate.core.spreadsheet import neutralise_formula
from workgate.health import queries


def missing_export(
    *,
    actor: Actor,
    day: dt.date,
    round_no: int,
    enterprise_id: int | None = None,
    workshop_id: int | None = None,
    request: HttpRequest | None = None,
) -> tuple[str, IO[bytes]]:
    """The file name and an open temporary file holding the list; the export is audited."""
    actor.check(Perm.EMPLOYEE_VIEW)
    rows = queries.missing_people(
        actor, day, round_no, enterprise_id=enterprise_id, workshop_id=workshop_id
    ).only("id", "name", "id_number", "mobile", "enterprise__name", "workshop__name")
    name = f"missing-{day:%Y%m%d}-{round_no}.xlsx"
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "in_memory": False,
        },
    )
    sheet = book.add_worksheet(_("Missing"))
    bold = book.add_format({"bold": True})
    header = [
        _("Enterprise"),
        _("Workshop"),
        _("Name"),
        _("Resident ID number"),
        _("Mobile number"),
        _("Day"),
        _("Round"),
    ]
    sheet.write_row(0, 0, header, bold)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 2, 14)
    sheet.set_column(3, 3, 21)
    sheet.set_column(4, 4, 14)
    sheet.set_column(5, 5, 11)
    count = 0
    for count, e in enumerate(rows.iterator(chunk_size=2000), start=1):
        values: list[Any] = [
            e.enterprise.name,
            e.workshop.name if e.workshop else "",
            e.name,
            mask_id_number(e.id_number),
            mask_phone(e.mobile),
            day.isoformat(),
            round_no,
        ]
        sheet.write_row(count, 0, [neutralise_formula(v) for v in values])
    book.close()
    out.seek(0)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.EXPORT,
            object_type="health.missing",
            object_repr=name,
            detail={
                "rows": count,
                "unmasked": False,
                "day": day.isoformat(),
                "round": round_no,
                "enterprise": enterprise_id,
                "workshop": workshop_id,
            },
            request=request,
        )
    return name, out
