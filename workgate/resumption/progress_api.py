"""API of the back-to-work dashboard and the daily report upward (read only)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from workgate.core.access import Perm, actor_of, api_require
from workgate.resumption import queries, services
from workgate.resumption.reporting import report_audit

router = Router(tags=["resumption"])


class DayOut(Schema):
    day: dt.date
    planned_enterprises: int
    planned_employees: int
    resumed_enterprises: int
    new_enterprises: int
    suspended: int
    on_duty: int


class DashboardOut(Schema):
    today: dt.date
    enterprises: int
    employees: int
    statuses: dict[str, int]
    applications: dict[str, int]
    days: list[DayOut]


class ReportRowOut(Schema):
    enterprise_id: int
    enterprise: str
    credit_code: str
    status: str
    resumed_on: dt.date | None
    planned_on: dt.date | None
    roster: int
    on_duty: int
    non_local_on_duty: int
    in_quarantine: int
    conditions_met: int
    conditions_total: int


class ReportOut(Schema):
    day: dt.date
    rows: list[ReportRowOut]


def _today(request: HttpRequest) -> dt.date:
    return services.local_today(actor_of(request).community_id)


@router.get("/resumption/dashboard", response=DashboardOut)
@api_require(Perm.RESUMPTION_DASHBOARD)
def dashboard(request: HttpRequest, since: dt.date | None = None) -> Any:
    """Per day: enterprises planned and back at work, employees planned and on duty (people
    with a temperature check that day); enterprises per status; applications due and overdue."""
    board = queries.dashboard(actor_of(request), _today(request), since)
    return {
        "today": board.today,
        "enterprises": board.enterprises,
        "employees": board.employees,
        "statuses": board.statuses,
        "applications": board.applications,
        "days": board.days,
    }


@router.get("/resumption/report", response=ReportOut)
@api_require(Perm.RESUMPTION_REPORT)
def report(request: HttpRequest, day: dt.date | None = None) -> Any:
    """The daily report upward: each enterprise back at work that day with its figures
    (audited like the printable page and the xlsx)."""
    actor = actor_of(request)
    today = _today(request)
    on = min(day or today, today)
    rows = queries.day_rows(actor, on)
    report_audit(actor=actor, day=on, rows=len(rows), kind="api", request=request)
    return {
        "day": on,
        "rows": [
            {
                "enterprise_id": r.enterprise.pk,
                "enterprise": r.enterprise.name,
                "credit_code": r.enterprise.credit_code,
                "status": r.status,
                "resumed_on": r.resumed_on,
                "planned_on": r.planned_on,
                "roster": r.roster,
                "on_duty": r.on_duty,
                "non_local_on_duty": r.non_local_on_duty,
                "in_quarantine": r.in_quarantine,
                "conditions_met": r.conditions_met,
                "conditions_total": r.conditions_total,
            }
            for r in rows
        ],
    }
