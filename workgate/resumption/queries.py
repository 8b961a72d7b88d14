"""Reads for the back-to-work dashboard and the daily report upward.

Employees on duty are counted from the temperature checks actually taken that day (gate or
round), never from what enterprises declared. Enterprises resumed on a day come from the status
history (StatusChange), so a suspension shows on the days it lasted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q, QuerySet

from workgate.core.access import Actor, scope
from workgate.core.models import Enterprise
from workgate.health.models import Check
from workgate.registry.models import Employee
from workgate.resumption import conditions as rules
from workgate.resumption.models import Application, Batch, StatusChange

Status = Enterprise.Status
DEFAULT_WINDOW_DAYS = 21


@dataclass(slots=True)
class Day:
    day: dt.date
    planned_enterprises: int = 0  # cumulative: in a batch planned for this day or earlier
    planned_employees: int = 0
    resumed_enterprises: int = 0  # back at work at the end of the day
    new_enterprises: int = 0  # started work that day
    suspended: int = 0
    on_duty: int = 0  # people with a temperature check that day


@dataclass(slots=True)
class Dashboard:
    today: dt.date
    days: list[Day]
    statuses: dict[str, int]
    enterprises: int
    employees: int
    applications: dict[str, int] = field(default_factory=dict)

    @property
    def latest(self) -> Day | None:
        return self.days[-1] if self.days else None


def returning_roster(community_id: int) -> dict[int, int]:
    """People per enterprise who come back to work (working or not yet returned)."""
    rows = (
        Employee.objects.filter(community_id=community_id, job_status__in=rules.RETURNING_STATUSES)
        .values_list("enterprise_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def status_on(community_id: int, days: list[dt.date]) -> dict[dt.date, dict[int, str]]:
    """Each enterprise's status at the end of each day, from the status history."""
    changes = (
        StatusChange.objects.filter(community_id=community_id, on__lte=days[-1])
        .order_by("on", "at", "id")
        .values_list("enterprise_id", "on", "to_status")
    )
    out: dict[dt.date, dict[int, str]] = {}
    current: dict[int, str] = {}
    it = iter(changes)
    pending = next(it, None)
    for day in days:
        while pending is not None and pending[1] <= day:
            current[pending[0]] = pending[2]
            pending = next(it, None)
        out[day] = dict(current)
    return out


def on_duty_by_day(community_id: int, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """Distinct people with a temperature check, per day."""
    rows = (
        Check.objects.filter(community_id=community_id, taken_on__range=(first, last))
        .values_list("taken_on")
        .annotate(n=Count("employee_id", distinct=True))
        .order_by()
    )
    return dict(rows)


def window(community_id: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """From the day before the first planned batch or the first enterprise back at work (at
    most DEFAULT_WINDOW_DAYS back) to the later of today and the last planned batch (at most
    two weeks ahead)."""
    first_back = StatusChange.objects.filter(
        community_id=community_id, to_status=Status.RESUMED
    ).aggregate(a=Min("on"))["a"]
    batches = Batch.objects.filter(community_id=community_id).aggregate(
        a=Min("date"), b=Max("date")
    )
    starts = [d - dt.timedelta(days=1) for d in (first_back, batches["a"]) if d is not None]
    first = max(min(starts, default=today), today - dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1))
    last = max(today, batches["b"] or today)
    last = min(last, today + dt.timedelta(days=14))
    return min(first, today), last


def dashboard(actor: Actor, today: dt.date, first: dt.date | None = None) -> Dashboard:
    cid = actor.community_id
    if first is None:
        first, last = window(cid, today)
    else:
        last = max(today, first)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    roster = returning_roster(cid)

    planned: dict[dt.date, set[int]] = defaultdict(set)
    for day, ent in Batch.enterprises.through.objects.filter(
        batch__community_id=cid, batch__date__lte=last
    ).values_list("batch__date", "enterprise_id"):
        planned[max(day, first)].add(ent)
    eve = first - dt.timedelta(days=1)
    statuses = status_on(cid, [eve, *days])
    duty = on_duty_by_day(cid, first, min(last, today))

    out: list[Day] = []
    seen: set[int] = set()
    before = {e for e, s in statuses[eve].items() if s == Status.RESUMED}
    for day in days:
        seen |= planned.get(day, set())
        at_work = {e for e, s in statuses[day].items() if s == Status.RESUMED}
        out.append(
            Day(
                day=day,
                planned_enterprises=len(seen),
                planned_employees=sum(roster.get(e, 0) for e in seen),
                resumed_enterprises=len(at_work) if day <= today else 0,
                new_enterprises=len(at_work - before) if day <= today else 0,
                suspended=sum(s == Status.SUSPENDED for s in statuses[day].values()),
                on_duty=duty.get(day, 0),
            )
        )
        before = at_work
    counts = dict(
        Enterprise.objects.filter(community_id=cid)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Dashboard(
        today=today,
        days=out,
        statuses={s: counts.get(s, 0) for s in Status.values},
        enterprises=sum(counts.values()),
        employees=sum(roster.values()),
        applications=application_counts(actor, today),
    )


def application_counts(actor: Actor, today: dt.date) -> dict[str, int]:
    qs = scope(actor, Application.objects.all())
    row = qs.aggregate(
        due_today=Count("pk", filter=Q(state__in=Application.OPEN_REVIEW, due_on=today)),
        overdue=Count("pk", filter=Q(state__in=Application.OPEN_REVIEW, due_on__lt=today)),
        in_review=Count("pk", filter=Q(state__in=Application.OPEN_REVIEW)),
        reported=Count("pk", filter=Q(state=Application.State.REPORTED)),
        returned=Count("pk", filter=Q(state=Application.State.RETURNED)),
        approved_today=Count(
            "pk", filter=Q(state=Application.State.APPROVED, decided_at__date=today)
        ),
    )
    return {k: v or 0 for k, v in row.items()}


@dataclass(slots=True)
class DayRow:
    enterprise: Enterprise
    status: str
    resumed_on: dt.date | None
    planned_on: dt.date | None
    roster: int
    on_duty: int
    non_local_on_duty: int
    in_quarantine: int
    conditions_met: int = 0
    conditions_total: int = 0

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


def _presence(community_id: int, day: dt.date) -> dict[int, tuple[int, int]]:
    """Per enterprise: (people checked that day, of whom non-local)."""
    rows = (
        Check.objects.filter(community_id=community_id, taken_on=day)
        .values_list("enterprise_id")
        .annotate(
            n=Count("employee_id", distinct=True),
            nl=Count("employee_id", distinct=True, filter=Q(employee__is_local=False)),
        )
        .order_by()
    )
    return {e: (n, nl) for e, n, nl in rows}


def day_rows(
    actor: Actor,
    day: dt.date,
    *,
    only: str = "at_work",
    with_conditions: bool = True,
) -> list[DayRow]:
    """The enterprises of a day, for the drill-down and the daily report.

    `only`: "at_work" (back at work at the end of the day, suspended ones included with their
    status), "new" (started work that day), "planned" (in a batch planned for that day) or
    "all".
    """
    cid = actor.community_id
    prev = day - dt.timedelta(days=1)
    statuses = status_on(cid, [prev, day])
    at_day, at_prev = statuses[day], statuses[prev]
    planned_on: dict[int, dt.date] = {}
    for d, ent in (
        Batch.enterprises.through.objects.filter(batch__community_id=cid)
        .order_by("batch__date")
        .values_list("batch__date", "enterprise_id")
    ):
        planned_on.setdefault(ent, d)
    if only == "new":
        ids = {e for e, s in at_day.items() if s == Status.RESUMED and at_prev.get(e) != s}
    elif only == "planned":
        ids = {e for e, d in planned_on.items() if d == day}
    elif only == "all":
        ids = None
    else:
        ids = {e for e, s in at_day.items() if s in (Status.RESUMED, Status.SUSPENDED)}
    enterprises = scope(actor, Enterprise.objects.all()).order_by("name", "pk")
    if ids is not None:
        enterprises = enterprises.filter(pk__in=ids)
    enterprises_list = list(enterprises)
    ent_ids = [e.pk for e in enterprises_list]
    presence = _presence(cid, day)
    people = (
        Employee.objects.filter(community_id=cid)
        .values_list("enterprise_id")
        .annotate(
            roster=Count("pk", filter=Q(job_status__in=rules.RETURNING_STATUSES)),
            quarantine=Count("pk", filter=~Q(quarantine_status=Employee.Quarantine.NONE)),
        )
        .order_by()
    )
    if ids is not None:
        people = people.filter(enterprise_id__in=ent_ids)
    counts = {e: (r, q) for e, r, q in people}
    judged = rules.judge_many(cid, ent_ids) if with_conditions and ent_ids else {}
    rows = []
    for ent in enterprises_list:
        roster, quarantine = counts.get(ent.pk, (0, 0))
        n, nl = presence.get(ent.pk, (0, 0))
        j = judged.get(ent.pk)
        rows.append(
            DayRow(
                enterprise=ent,
                status=at_day.get(ent.pk, Status.NOT_RESUMED) if ids is not None else ent.status,
                resumed_on=ent.resumed_on,
                planned_on=planned_on.get(ent.pk),
                roster=roster,
                on_duty=n,
                non_local_on_duty=nl,
                in_quarantine=quarantine,
                conditions_met=j.met if j else 0,
                conditions_total=j.total if j else 0,
            )
        )
    return rows


def batches(actor: Actor) -> QuerySet[Batch]:
    return scope(actor, Batch.objects.all()).annotate(n=Count("enterprises")).order_by("date", "pk")
