"""Reads of daily health: who is on duty, who was missed in a round, masks issued, a person's
checks and declarations, pass colours, incidents. Every read is scoped to the actor's tenant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Right
from django.utils import timezone

from workgate.core.access import Actor, Perm, scope
from workgate.core.models import Enterprise
from workgate.health.models import Check, Declaration, Gate, Incident, PassCode
from workgate.health.rules import RED, PassVerdict, current_round, pass_verdict, settings_for
from workgate.registry.models import Employee


def on_duty(actor: Actor) -> QuerySet[Employee]:
    """Employees expected at work today: working, not in quarantine, at an enterprise that is
    back at work (not one still waiting for approval, nor one suspended)."""
    return scope(actor, Employee.objects.all()).filter(
        job_status=Employee.JobStatus.ACTIVE,
        quarantine_status=Employee.Quarantine.NONE,
        enterprise__status=Enterprise.Status.RESUMED,
    )


def checked_in_round(actor: Actor, day: dt.date, round_no: int) -> Exists:
    """Whether the person of the outer row has a check in the round (for annotate / filter)."""
    return Exists(
        Check.objects.filter(
            community_id=actor.community_id,
            taken_on=day,
            round_no=round_no,
            employee_id=OuterRef("pk"),
        )
    )


def done_percent(done: int, total: int) -> int:
    """Whole per cent done, rounded down: 203 missing of 88,417 reads 99 %, never 100 %."""
    return 100 * done // total if total else 100


class Tally:
    """Missing and per cent done of anything counting people on duty and people checked."""

    on_duty: int
    checked: int

    @property
    def missing(self) -> int:
        return self.on_duty - self.checked

    @property
    def percent(self) -> int:
        return done_percent(self.checked, self.on_duty)


@dataclass
class RoundSummary(Tally):
    enterprise_id: int
    enterprise_name: str
    on_duty: int
    checked: int


def round_summary(actor: Actor, day: dt.date, round_no: int) -> list[RoundSummary]:
    """Per enterprise: people on duty and how many have a check in the round; most missing first."""
    actor.check(Perm.CHECK_VIEW)
    rows = (
        on_duty(actor)
        .annotate(done=checked_in_round(actor, day, round_no))
        .values("enterprise_id", "enterprise__name")
        .annotate(total=Count("id"), checked=Count("id", filter=Q(done=True)))
        .order_by()
    )
    out = [
        RoundSummary(r["enterprise_id"], r["enterprise__name"], r["total"], r["checked"])
        for r in rows
    ]
    out.sort(key=lambda s: (-s.missing, s.enterprise_name))
    return out


def missing_people(
    actor: Actor,
    day: dt.date,
    round_no: int,
    *,
    enterprise_id: int | None = None,
    workshop_id: int | None = None,
) -> QuerySet[Employee]:
    """People on duty with no check in the round, by enterprise and name."""
    actor.check(Perm.CHECK_VIEW)
    qs = on_duty(actor).filter(~checked_in_round(actor, day, round_no))
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if workshop_id:
        qs = qs.filter(workshop_id=workshop_id)
    return qs.select_related("enterprise", "workshop").order_by("enterprise_id", "name", "id")


def round_grid(
    actor: Actor, day: dt.date, round_no: int, *, enterprise_id: int, workshop_id: int | None
) -> list[tuple[Employee, Check | None]]:
    """The duty volunteer's grid: everyone on duty in a workshop (or the whole enterprise),
    with the check they already have in this round."""
    people = list(
        on_duty(actor)
        .filter(enterprise_id=enterprise_id)
        .filter(**({"workshop_id": workshop_id} if workshop_id else {}))
        .only("id", "name", "id_number", "workshop_id", "enterprise_id")
        .order_by("name", "id")
    )
    checks: dict[int, Check] = {}
    for c in Check.objects.filter(
        community_id=actor.community_id,
        taken_on=day,
        round_no=round_no,
        employee_id__in=[p.pk for p in people],
    ).order_by("taken_at"):
        checks[c.employee_id] = c
    return [(p, checks.get(p.pk)) for p in people]


def masks_issued(actor: Actor, day: dt.date) -> list[dict[str, Any]]:
    """Masks handed out per enterprise on a day: what the materials capability draws down."""
    actor.check(Perm.CHECK_VIEW)
    qs = scope(actor, Check.objects.filter(taken_on=day))
    return list(
        qs.values("enterprise_id")
        .annotate(masks=Sum("masks_issued"), checks=Count("uuid"))
        .order_by("enterprise_id")
    )


def masks_issued_total(*, enterprise_id: int, day: dt.date) -> int:
    """Masks one enterprise handed out on a day (for stock draw-down; the caller scopes)."""
    total = Check.objects.filter(enterprise_id=enterprise_id, taken_on=day).aggregate(
        n=Coalesce(Sum("masks_issued"), 0)
    )
    return int(total["n"])


def masks_issued_by_day(
    *, community_id: int, first: dt.date, last: dt.date
) -> dict[tuple[int, dt.date], int]:
    """Masks handed out per (enterprise, day) over a span: what supplies draws from stock."""
    rows = (
        Check.objects.filter(
            community_id=community_id, taken_on__gte=first, taken_on__lte=last, masks_issued__gt=0
        )
        .values_list("enterprise_id", "taken_on")
        .annotate(n=Sum("masks_issued"))
        .order_by()
    )
    return {(ent, day): int(n) for ent, day, n in rows}


def on_duty_counts(community_id: int) -> dict[int, int]:
    """People on duty per enterprise (the same rule as `on_duty`), for the whole community."""
    rows = (
        Employee.objects.filter(
            enterprise__community_id=community_id,
            job_status=Employee.JobStatus.ACTIVE,
            quarantine_status=Employee.Quarantine.NONE,
            enterprise__status=Enterprise.Status.RESUMED,
        )
        .values_list("enterprise_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


@dataclass
class CheckRow:
    taken_at: dt.datetime
    kind: str
    temperature: Any
    fever: bool
    masks_issued: int
    gate_name: str
    recorded_by: str


def checks_of(*, employee: Employee, limit: int = 50) -> list[CheckRow]:
    """A person's newest checks (the caller has fetched the person inside the tenant)."""
    rows = list(
        Check.objects.filter(employee_id=employee.pk)
        .order_by("-taken_at")
        .values(
            "taken_at", "kind", "temperature", "fever", "masks_issued", "gate_id", "recorded_by"
        )[:limit]
    )
    gate_ids = {r["gate_id"] for r in rows if r["gate_id"]}
    names = dict(Gate.objects.filter(pk__in=gate_ids).values_list("pk", "name")) if gate_ids else {}
    return [
        CheckRow(
            taken_at=r["taken_at"],
            kind=r["kind"],
            temperature=r["temperature"],
            fever=r["fever"],
            masks_issued=r["masks_issued"],
            gate_name=names.get(r["gate_id"], ""),
            recorded_by=r["recorded_by"],
        )
        for r in rows
    ]


def declarations_of(*, employee: Employee, limit: int = 30) -> QuerySet[Declaration]:
    return Declaration.objects.filter(employee_id=employee.pk).order_by("-day")[:limit]


def declarations_on(actor: Actor, day: dt.date, *, flagged: bool = False) -> QuerySet[Declaration]:
    """A day's declarations in the actor's tenant, flagged ones (symptoms, fever, contact) first
    when asked for only those."""
    actor.check(Perm.INCIDENT_VIEW)
    qs = scope(actor, Declaration.objects.filter(day=day)).select_related("employee")
    if flagged:
        hs, _tz = settings_for(actor.community_id)
        qs = qs.filter(
            Q(contact_with_case=True) | Q(temperature__gte=hs.fever_threshold) | ~Q(symptoms=[])
        )
    return qs.order_by("employee__name", "employee_id")


def declaration_today(employee: Employee) -> Declaration | None:
    _hs, tz = settings_for(employee.community_id)
    return Declaration.objects.filter(
        employee_id=employee.pk, day=timezone.now().astimezone(tz).date()
    ).first()


def verdict_for(employee: Employee) -> PassVerdict:
    """The person's pass colour now, and why."""
    _hs, tz = settings_for(employee.community_id)
    today = timezone.now().astimezone(tz).date()
    recent = list(
        Declaration.objects.filter(
            employee_id=employee.pk, day__gte=today - dt.timedelta(days=13)
        ).values("day", "symptoms", "contact_with_case")
    )
    todays = next((d for d in recent if d["day"] == today), None)
    return pass_verdict(
        health_status=employee.health_status,
        quarantine_status=employee.quarantine_status,
        risk_level=employee.risk_level,
        open_incident=Incident.objects.filter(employee_id=employee.pk)
        .exclude(state=Incident.State.CLOSED)
        .exists(),
        declared_today=todays is not None,
        symptoms_today=bool(todays and todays["symptoms"]),
        contact_recent=any(d["contact_with_case"] for d in recent),
    )


def gates(actor: Actor) -> QuerySet[Gate]:
    return scope(actor, Gate.objects.select_related("enterprise")).order_by(
        "enterprise__name", "name"
    )


def gate_roster(actor: Actor, gate: Gate) -> list[dict[str, Any]]:
    """What a gate station keeps in the browser to work offline: for each person of the gate's
    enterprise, the pass code, name, last 4 of ID and phone (never the whole numbers) and
    whether the pass is red right now."""
    from workgate.health.services import pass_codes_ensure

    people = scope(actor, Employee.objects.filter(enterprise_id=gate.enterprise_id))
    ids = list(people.values_list("pk", flat=True))
    pass_codes_ensure(employee_ids=ids)
    open_incidents = set(
        Incident.objects.filter(enterprise_id=gate.enterprise_id)
        .exclude(state=Incident.State.CLOSED)
        .values_list("employee_id", flat=True)
    )
    rows = (
        people.annotate(
            code=F("pass_code__code"),
            id4=Right("id_number", 4),
            m4=Right(Coalesce("mobile", Value("")), 4),
        )
        .values(
            "pk",
            "name",
            "code",
            "id4",
            "m4",
            "health_status",
            "quarantine_status",
            "risk_level",
            "job_status",
            "workshop__name",
        )
        .order_by("name", "pk")
    )
    out = []
    for r in rows:
        # The pass rule itself, from the file alone: declarations stay off the offline roster.
        red = (
            pass_verdict(
                health_status=r["health_status"],
                quarantine_status=r["quarantine_status"],
                risk_level=r["risk_level"],
                open_incident=r["pk"] in open_incidents,
                declared_today=True,
                symptoms_today=False,
                contact_recent=False,
            ).colour
            == RED
        )
        out.append(
            {
                "e": r["pk"],
                "n": r["name"],
                "p": r["code"],
                "i": r["id4"],
                "m": r["m4"],
                "w": r["workshop__name"] or "",
                "r": red,
            }
        )
    return out


def _overdue() -> Q:
    """Past its step's time limit now, or escalated for it and not moved on since (escalation
    sets the next deadline; moving the incident on resets the escalation)."""
    return Q(due_at__lte=timezone.now()) | Q(escalation_level__gt=0)


def incidents(
    actor: Actor, *, state: str = "", overdue: bool = False, open_only: bool = False
) -> QuerySet[Incident]:
    actor.check(Perm.INCIDENT_VIEW)
    qs = scope(actor, Incident.objects.select_related("employee", "enterprise"))
    if state:
        qs = qs.filter(state=state)
    if open_only:
        qs = qs.exclude(state=Incident.State.CLOSED)
    if overdue:
        qs = qs.filter(_overdue()).exclude(state=Incident.State.CLOSED)
    return qs.order_by("-opened_at", "-id")


def incident_counts(actor: Actor) -> dict[str, int]:
    actor.check(Perm.INCIDENT_VIEW)
    qs = scope(actor, Incident.objects.all())
    counts = dict(qs.values_list("state").annotate(n=Count("id")).order_by())
    counts["overdue"] = qs.filter(_overdue()).exclude(state=Incident.State.CLOSED).count()
    return counts


def now_round(actor: Actor) -> tuple[dt.date, int]:
    hs, tz = settings_for(actor.community_id)
    return current_round(timezone.now(), hs, tz)


def pass_code_of(employee: Employee) -> PassCode:
    from workgate.health.services import pass_code_for

    return pass_code_for(employee)
