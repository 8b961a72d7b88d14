"""Reads of grids: who is in a grid, a responsible member's people with today's status, and
the grids of the actor's tenant with their counts.

A responsible member's people are the union of the grids they are responsible for and the
employees whose file names them as responsible grid member (registry's `grid_member`), always
inside their community. Nothing else is reachable from their page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.access import Actor, scope
from workgate.core.models import Membership, Role, User
from workgate.core.text import normalise_text
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
    # Counts of all the member's people, whatever `status` filtered `people` to.
    totals: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return self.totals.get(status, 0)

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        return [(s, str(Status.LABELS[s]), self.count(s)) for s in Status.ORDER]


def holds(g: Grid, e: Employee, chat: set[tuple[int, int]]) -> bool:
    """Whether grid `g` holds employee `e`; `chat` is the (grid, employee) pairs of chat groups."""
    if g.enterprise_id != e.enterprise_id or g.community_id != e.community_id:
        return False
    if g.kind == Grid.Kind.WORKSHOP:
        return g.workshop_id is not None and g.workshop_id == e.workshop_id
    if g.kind == Grid.Kind.DORM:
        return bool(g.dorm_prefix) and e.dorm_room.startswith(g.dorm_prefix)
    return (g.pk, e.pk) in chat


def chat_pairs(grids: list[Grid]) -> set[tuple[int, int]]:
    ids = [g.pk for g in grids if g.kind == Grid.Kind.CHAT]
    if not ids:
        return set()
    return set(
        Grid.members.through.objects.filter(grid_id__in=ids).values_list("grid_id", "employee_id")
    )


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
    chat = chat_pairs(grids)
    people = [
        Person(employee=e, status=status_of(e), grids=[g.name for g in grids if holds(g, e, chat)])
        for e in rows
    ]
    people.sort(key=lambda p: (Status.ORDER.index(p.status), p.employee.name))
    totals = dict(Counter(p.status for p in people))
    if status:
        people = [p for p in people if p.status == status]
    return MyGrid(grids=grids, people=people, day=day, totals=totals)


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
    ).select_related("enterprise", "workshop")
    people = [Person(employee=e, status=status_of(e), grids=[grid.name]) for e in rows]
    people.sort(key=lambda p: (Status.ORDER.index(p.status), p.employee.name))
    return people


@dataclass
class GridCounts:
    """How many people a grid holds today, by status."""

    totals: dict[str, int] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return sum(self.totals.values())

    def count(self, status: str) -> int:
        return self.totals.get(status, 0)

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        return [(s, str(Status.LABELS[s]), self.count(s)) for s in Status.ORDER]


def grid_counts(
    grids: list[Grid], community_id: int, day: dt.date | None = None
) -> dict[int, GridCounts]:
    """Today's counts of each of `grids` (a page of them) in two queries whatever their number:
    the chat groups' members, then every employee any of the grids may hold, with their status;
    each is then counted in the grids of their enterprise that hold them."""
    grids = [g for g in grids if g.community_id == community_id]
    out = {g.pk: GridCounts() for g in grids}
    if not grids:
        return out
    day = day or timezone.localdate()
    chat = chat_pairs(grids)
    q = Q(pk__in={employee for _grid, employee in chat})
    workshops = {g.workshop_id for g in grids if g.kind == Grid.Kind.WORKSHOP and g.workshop_id}
    if workshops:
        q |= Q(workshop_id__in=workshops)
    for g in grids:
        if g.kind == Grid.Kind.DORM and g.dorm_prefix:
            q |= Q(enterprise_id=g.enterprise_id, dorm_room__startswith=g.dorm_prefix)
    by_enterprise: dict[int, list[Grid]] = {}
    for g in grids:
        by_enterprise.setdefault(g.enterprise_id, []).append(g)
    rows = with_status(
        Employee.objects.filter(q, community_id=community_id, enterprise_id__in=by_enterprise)
        .exclude(job_status=Employee.JobStatus.LEFT)
        .only(
            "pk",
            "community_id",
            "enterprise_id",
            "workshop_id",
            "dorm_room",
            "quarantine_status",
            "health_status",
            "job_status",
        ),
        community_id,
        day,
    )
    for e in rows:
        status = status_of(e)
        for g in by_enterprise.get(e.enterprise_id, []):
            if holds(g, e, chat):
                totals = out[g.pk].totals
                totals[status] = totals.get(status, 0) + 1
    return out


def responsible_choices(actor: Actor, enterprise_id: int | None = None) -> list[tuple[User, str]]:
    """Who may be named responsible: the community's active members, and those of an
    enterprise only for that enterprise (all enterprises' when none is given). With their role."""
    rows = Membership.objects.filter(
        community_id=actor.community_id, is_active=True, user__is_active=True
    ).select_related("user", "enterprise")
    if enterprise_id:
        rows = rows.filter(Q(enterprise__isnull=True) | Q(enterprise_id=enterprise_id))
    elif not actor.community_wide:
        rows = rows.filter(Q(enterprise__isnull=True) | Q(enterprise_id=actor.enterprise_id))
    seen: dict[int, tuple[User, str]] = {}
    for m in rows.order_by("user__username", "pk"):
        label = str(Role(m.role).label)
        if m.enterprise_id:
            label = f"{label} · {m.enterprise.name}"
        if m.user_id in seen:
            user, before = seen[m.user_id]
            seen[m.user_id] = (user, f"{before}, {label}")
        else:
            seen[m.user_id] = (m.user, label)
    return list(seen.values())


def member_candidates(actor: Actor, grid: Grid, search: str, limit: int = 20) -> list[Employee]:
    """Employees of a chat group's enterprise to add: by name, or by the last digits of their
    ID number or mobile (at least 4), not already members."""
    search = normalise_text(search or "")
    if not search:
        return []
    cond = Q(name__icontains=search)
    tail = search.upper()
    if len(tail) >= 4 and tail.rstrip("X").isdigit():
        cond |= Q(id_number__endswith=tail) | Q(mobile__endswith=tail)
    return list(
        scope(actor, Employee.objects.filter(enterprise_id=grid.enterprise_id))
        .exclude(job_status=Employee.JobStatus.LEFT)
        .exclude(pk__in=Grid.members.through.objects.filter(grid_id=grid.pk).values("employee_id"))
        .filter(cond)
        .select_related("workshop")
        .order_by("name", "pk")[:limit]
    )


def members_of(actor: Actor, grid: Grid) -> list[Employee]:
    """A chat group's members as listed (for its editor)."""
    return list(scope(actor, grid.members.all()).select_related("workshop").order_by("name", "pk"))
