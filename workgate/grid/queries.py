"""Reads of grids: who is in a grid, a responsible member's people with today's status, and
the grids of the actor's tenant with their counts.

A responsible member's people are the union of the grids they are responsible for and the
employees whose file names them as responsible grid member (registry's `grid_member`), always
inside their community. Nothing else is reachable from their page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.access import Actor, scope
from workgate.core.models import User
from workgate.grid.models import Grid
from workgate.health.models import Check, Incident
from workgate.registry.models import Employee

SICK = (Employee.Health.FEVER, Employee.Health.SUSPECTED, Employee.Health.CONFIRMED)


class Status:
    """Today's status of a person in a grid, most urgent first."""

    QUARANTINE = "quarantine"
    FEVER = "fever"
    MISSING = "missing"
    CHECKED = "checked"
    AWAY = "away"

    LABELS = {
        QUARANTINE: _("In quarantine"),
        FEVER: _("Fever"),
        MISSING: _("Not checked today"),
        CHECKED: _("Checked today"),
        AWAY: _("Not at work"),
    }
    ORDER = (QUARANTINE, FEVER, MISSING, CHECKED, AWAY)


def grid_q(grid: Grid) -> Q:
    """The employees of one grid, as a filter on Employee."""
    base = Q(community_id=grid.community_id, enterprise_id=grid.enterprise_id)
    if grid.kind == Grid.Kind.WORKSHOP:
        return base & Q(workshop_id=grid.workshop_id)
    if grid.kind == Grid.Kind.DORM:
        return base & Q(dorm_room__startswith=grid.dorm_prefix)
    return base & Q(
        pk__in=Grid.members.through.objects.filter(grid_id=grid.pk).values("employee_id")
    )


def grids_of(user: User | None, community_id: int) -> list[Grid]:
    """The grids a person is responsible for."""
    if user is None:
        return []
    return list(
        Grid.objects.filter(community_id=community_id, responsible=user).select_related(
            "enterprise", "workshop"
        )
    )


def people_q(user: User, community_id: int, grids: list[Grid]) -> Q:
    q = Q(community_id=community_id, grid_member=user)
    for g in grids:
        q |= grid_q(g)
    return q & Q(community_id=community_id)


def with_status(qs: QuerySet[Employee], community_id: int, day: dt.date) -> QuerySet[Employee]:
    """Annotates `checked_today` and `open_incident` for today's status."""
    return qs.annotate(
        checked_today=Exists(
            Check.objects.filter(
                community_id=community_id, taken_on=day, employee_id=OuterRef("pk")
            )
        ),
        open_incident=Exists(
            Incident.objects.filter(employee_id=OuterRef("pk")).exclude(state=Incident.State.CLOSED)
        ),
    )


def status_of(e: Employee) -> str:
    if e.quarantine_status != Employee.Quarantine.NONE:
        return Status.QUARANTINE
    if e.health_status in SICK or getattr(e, "open_incident", False):
        return Status.FEVER
    if e.job_status != Employee.JobStatus.ACTIVE:
        return Status.AWAY
    return Status.CHECKED if getattr(e, "checked_today", False) else Status.MISSING


@dataclass
class Person:
    employee: Employee
    status: str
    grids: list[str]

    @property
    def status_label(self) -> str:
        return str(Status.LABELS[self.status])


@dataclass
class MyGrid:
    grids: list[Grid]
    people: list[Person]
    day: dt.date

    def count(self, status: str) -> int:
        return sum(1 for p in self.people if p.status == status)

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        return [(s, str(Status.LABELS[s]), self.count(s)) for s in Status.ORDER]


def my_grid(actor: Actor, *, status: str = "", day: dt.date | None = None) -> MyGrid:
    """The signed-in person's people with today's status, most urgent first; nobody beyond the
    grids they are responsible for and the files that name them."""
    day = day or timezone.localdate()
    user = actor.user
    grids = grids_of(user, actor.community_id)
    if user is None:
        return MyGrid(grids=[], people=[], day=day)
    rows = with_status(
        Employee.objects.filter(people_q(user, actor.community_id, grids)).exclude(
            job_status=Employee.JobStatus.LEFT
        ),
        actor.community_id,
        day,
    ).select_related("enterprise", "workshop")
    chat = set(
        Grid.members.through.objects.filter(
            grid_id__in=[g.pk for g in grids if g.kind == Grid.Kind.CHAT]
        ).values_list("grid_id", "employee_id")
    )

    def holds(g: Grid, e: Employee) -> bool:
        if g.enterprise_id != e.enterprise_id:
            return False
        if g.kind == Grid.Kind.WORKSHOP:
            return g.workshop_id == e.workshop_id
        if g.kind == Grid.Kind.DORM:
            return e.dorm_room.startswith(g.dorm_prefix)
        return (g.pk, e.pk) in chat

    people = [
        Person(employee=e, status=status_of(e), grids=[g.name for g in grids if holds(g, e)])
        for e in rows
    ]
    people.sort(key=lambda p: (Status.ORDER.index(p.status), p.employee.name))
    if status:
        people = [p for p in people if p.status == status]
    return MyGrid(grids=grids, people=people, day=day)


def grids(actor: Actor, *, enterprise_id: int | None = None) -> QuerySet[Grid]:
    qs = scope(actor, Grid.objects.all()).select_related("enterprise", "workshop", "responsible")
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    return qs


def grid_people(actor: Actor, grid: Grid, day: dt.date | None = None) -> list[Person]:
    """One grid's people with today's status (for managers)."""
    day = day or timezone.localdate()
    rows = with_status(
        scope(actor, Employee.objects.filter(grid_q(grid))).exclude(
            job_status=Employee.JobStatus.LEFT
        ),
        actor.community_id,
        day,
    ).select_related("workshop")
    people = [Person(employee=e, status=status_of(e), grids=[grid.name]) for e in rows]
    people.sort(key=lambda p: (Status.ORDER.index(p.status), p.employee.name))
    return people
