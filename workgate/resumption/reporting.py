"""The daily report upward (复工日报) as an xlsx file: one row per enterprise back at work with
its figures of the day, a totals row, formula-safe, audited. No personal data is in it."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import IO

import xlsxwriter
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry
from workgate.core.spreadsheet import neutralise_formula
from workgate.resumption import queries


def report_audit(
    *, actor: Actor, day: dt.date, rows: int, kind: str, request: HttpRequest | None = None
) -> None:
    """Each report read (printable page) and each export is in the audit log."""
    audit_record(
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        object_type="resumption.report",
        object_repr=f"report-{day:%Y%m%d}.{kind}",
        detail={"day": day.isoformat(), "rows": rows, "format": kind},
        request=request,
    )


def report_export(
    *, actor: Actor, day: dt.date, request: HttpRequest | None = None
) -> tuple[str, IO[bytes]]:
    actor.check(Perm.RESUMPTION_REPORT)
    rows = queries.day_rows(actor, day)
    name = f"resumption-report-{day:%Y%m%d}.xlsx"
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    book = xlsxwriter.Workbook(
        out, {"strings_to_formulas": False, "strings_to_numbers": False, "in_memory": False}
    )
    sheet = book.add_worksheet(_("Daily report"))
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write(0, 0, _("Work resumption daily report, %(day)s") % {"day": day.isoformat()}, title)
    header = [
        _("Enterprise"),
        _("Unified social credit code"),
        _("Status"),
        _("Date resumed"),
        _("Employees on duty"),
        _("Non-local returned (on duty)"),
        _("In quarantine"),
        _("Conditions met"),
    ]
    sheet.write_row(2, 0, header, bold)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 3, 12)
    sheet.set_column(4, 7, 14)
    r = 3
    for row in rows:
        sheet.write(r, 0, neutralise_formula(row.enterprise.name))
        sheet.write_string(r, 1, row.enterprise.credit_code)
        sheet.write(r, 2, row.status_label)
        if row.resumed_on:
            sheet.write_datetime(r, 3, dt.datetime.combine(row.resumed_on, dt.time()), date_fmt)
        sheet.write_number(r, 4, row.on_duty)
        sheet.write_number(r, 5, row.non_local_on_duty)
        sheet.write_number(r, 6, row.in_quarantine)
        sheet.write_string(r, 7, f"{row.conditions_met}/{row.conditions_total}")
        r += 1
    sheet.write(r, 0, _("Total: %(n)s enterprises") % {"n": len(rows)}, bold)
    sheet.write_number(r, 4, sum(x.on_duty for x in rows), bold)
    sheet.write_number(r, 5, sum(x.non_local_on_duty for x in rows), bold)
    sheet.write_number(r, 6, sum(x.in_quarantine for x in rows), bold)
    sheet.freeze_panes(3, 1)
    book.close()
    out.seek(0)
    with transaction.atomic():
        report_audit(actor=actor, day=day, rows=len(rows), kind="xlsx", request=request)
    return name, out
