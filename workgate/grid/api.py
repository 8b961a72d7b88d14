"""API of grids (网格): a responsible member's people with today's status (`/grid/mine`), and
for staff and officers the grids themselves with today's counts, their members for chat
groups, and a grid per workshop in one call.

Handlers are thin: writes go through `services`, reads through `queries`; grids are fetched
inside the caller's tenant (another tenant's grid is a 404). Mobiles are always masked."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from workgate.core.access import Actor, Perm, actor_of, api_require, fetch, scope
from workgate.core.masking import mask_phone
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.grid import queries, services
from workgate.grid.models import Grid
from workgate.registry.models import Workshop

router = Router(tags=["grid"])

API = "/grid"


class PersonOut(Schema):
    employee_id: int
    name: str
    enterprise_id: int
    enterprise: str
    workshop: str | None
    dorm_room: str
    grids: list[str] = Field(description="Which of the member's grids hold them")
    status: str = Field(description="quarantine, fever, missing, checked or away")
    status_label: str
    mobile_masked: str


def _person(p: queries.Person) -> dict[str, Any]:
    e = p.employee
    return {
        "employee_id": e.pk,
        "name": e.name,
        "enterprise_id": e.enterprise_id,
        "enterprise": e.enterprise.name,
        "workshop": e.workshop.name if e.workshop else None,
        "dorm_room": e.dorm_room,
        "grids": p.grids,
        "status": p.status,
        "status_label": p.status_label,
        "mobile_masked": mask_phone(e.mobile),
    }


class GridRef(Schema):
    id: int
    name: str
    kind: str
    enterprise_id: int


class MyGridOut(Schema):
    day: dt.date
    grids: list[GridRef]
    counts: dict[str, int] = Field(description="Everyone of the member's, by status")
    total: int
    people: list[PersonOut]


def _status(raw: str) -> str:
    if raw and raw not in queries.Status.ORDER:
        raise ServiceError(
            _("Choose a status: %(choices)s.") % {"choices": ", ".join(queries.Status.ORDER)},
            field="status",
        )
    return raw


@router.get(f"{API}/mine", response=MyGridOut)
@api_require(Perm.GRID_OWN)
def my_grid(request: HttpRequest, status: str = "") -> Any:
    """The caller's people with today's status, most urgent first (`status` filters them);
    nobody beyond the grids they are responsible for and the files naming them. Audited."""
    actor = actor_of(request)
    view = queries.my_grid(actor, status=_status(status))
    services.my_grid_viewed(
        actor, view.grids, shown=len(view.people), total=view.total, request=request
    )
    return {
        "day": view.day,
        "grids": [
            {"id": g.pk, "name": g.name, "kind": g.kind, "enterprise_id": g.enterprise_id}
            for g in view.grids
        ],
        "counts": {s: view.count(s) for s in queries.Status.ORDER},
        "total": view.total,
        "people": [_person(p) for p in view.people],
    }


class GridOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    kind: str
    name: str
    workshop_id: int | None
    workshop: str | None
    dorm_prefix: str
    responsible_id: int | None
    responsible: str | None
    people: int
    counts: dict[str, int] = Field(description="Today's people by status")


def _grid_out(g: Grid, counts: queries.GridCounts) -> dict[str, Any]:
    return {
        "id": g.pk,
        "enterprise_id": g.enterprise_id,
        "enterprise": g.enterprise.name,
        "kind": g.kind,
        "name": g.name,
        "workshop_id": g.workshop_id,
        "workshop": g.workshop.name if g.workshop else None,
        "dorm_prefix": g.dorm_prefix,
        "responsible_id": g.responsible_id,
        "responsible": str(g.responsible) if g.responsible else None,
        "people": counts.people,
        "counts": {s: counts.count(s) for s in queries.Status.ORDER},
    }


def _out(actor: Actor, grids: list[Grid]) -> list[dict[str, Any]]:
    counts = queries.grid_counts(grids, actor.community_id)
    return [_grid_out(g, counts[g.pk]) for g in grids]


def _grid(actor: Actor, pk: int, perm: Perm) -> Grid:
    return fetch(
        actor, Grid.objects.select_related("enterprise", "workshop", "responsible"), perm, pk=pk
    )


@router.get(f"{API}/grids", response=list[GridOut])
@api_require(Perm.GRID_VIEW)
@paginate
def grid_list(request: HttpRequest, enterprise: int | None = None) -> Any:
    """The grids of the caller's tenant (an officer's enterprise), with today's counts."""
    actor = actor_of(request)
    return _Counted(actor, queries.grids(actor, enterprise_id=enterprise))


class _Counted:
    """A queryset whose page, once sliced, is counted per grid in two queries (not one a grid)."""

    def __init__(self, actor: Actor, qs: Any) -> None:
        self.actor, self.qs = actor, qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return _out(self.actor, list(self.qs[key]))


class GridIn(Schema):
    enterprise: int | None = Field(None, description="Staff: which enterprise; an officer's own")
    kind: str = Field("workshop", description="workshop, dorm or chat")
    name: str = ""
    workshop: int | None = Field(None, description="For a workshop grid")
    dorm_prefix: str = Field("", description="For a dormitory grid: how its rooms begin")
    responsible: int | None = Field(None, description="A user id: an active member")


class GridPatch(Schema):
    kind: str | None = None
    name: str | None = None
    workshop: int | None = None
    dorm_prefix: str | None = None
    responsible: int | None = None


def _data(actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    """Ids as the service takes them: a workshop or enterprise outside the tenant is none."""
    data = dict(payload)
    if "workshop" in data:
        pk = data["workshop"]
        data["workshop"] = (
            scope(actor, Workshop.objects.all()).filter(pk=pk).first() if pk else None
        )
    if "enterprise" in data:
        pk = data["enterprise"] if actor.community_wide else actor.enterprise_id
        data["enterprise"] = (
            scope(actor, Enterprise.objects.all()).filter(pk=pk).first() if pk else None
        )
    return data


@router.post(f"{API}/grids", response={201: GridOut})
@api_require(Perm.GRID_MANAGE)
def grid_create(request: HttpRequest, payload: GridIn) -> Any:
    actor = actor_of(request)
    data = _data(actor, payload.dict())
    data.setdefault("enterprise", None)
    grid = services.save_grid(actor, None, data)
    return Status(201, _out(actor, [_grid(actor, grid.pk, Perm.GRID_VIEW)])[0])


@router.get(f"{API}/grids/{{grid_id}}", response=GridOut)
@api_require(Perm.GRID_VIEW)
def grid_read(request: HttpRequest, grid_id: int) -> Any:
    actor = actor_of(request)
    return _out(actor, [_grid(actor, grid_id, Perm.GRID_VIEW)])[0]


@router.get(f"{API}/grids/{{grid_id}}/people", response=list[PersonOut])
@api_require(Perm.GRID_VIEW)
def grid_people(request: HttpRequest, grid_id: int, status: str = "") -> Any:
    """One grid's people with today's status, most urgent first."""
    actor = actor_of(request)
    grid = _grid(actor, grid_id, Perm.GRID_VIEW)
    status = _status(status)
    return [
        _person(p) for p in queries.grid_people(actor, grid) if not status or p.status == status
    ]


@router.patch(f"{API}/grids/{{grid_id}}", response=GridOut)
@api_require(Perm.GRID_MANAGE)
def grid_update(request: HttpRequest, grid_id: int, payload: GridPatch) -> Any:
    """Change what is sent; `responsible: null` leaves nobody responsible."""
    actor = actor_of(request)
    grid = _grid(actor, grid_id, Perm.GRID_MANAGE)
    data = _data(actor, payload.dict(exclude_unset=True))
    services.save_grid(actor, grid, data)
    return _out(actor, [_grid(actor, grid.pk, Perm.GRID_VIEW)])[0]


@router.delete(f"{API}/grids/{{grid_id}}", response={204: None})
@api_require(Perm.GRID_MANAGE)
def grid_delete(request: HttpRequest, grid_id: int) -> Any:
    actor = actor_of(request)
    services.delete_grid(actor, _grid(actor, grid_id, Perm.GRID_MANAGE))
    return Status(204, None)


class MembersIn(Schema):
    employees: list[int] = Field(description="Employee ids: the chat group's members, all of them")


@router.put(f"{API}/grids/{{grid_id}}/members", response=GridOut)
@api_require(Perm.GRID_MANAGE)
def grid_members(request: HttpRequest, grid_id: int, payload: MembersIn) -> Any:
    """A chat group's members (replaces the list)."""
    actor = actor_of(request)
    grid = _grid(actor, grid_id, Perm.GRID_MANAGE)
    services.set_member_ids(actor, grid, payload.employees)
    return _out(actor, [_grid(actor, grid.pk, Perm.GRID_VIEW)])[0]


@router.post(f"{API}/enterprises/{{enterprise_id}}/fill", response={201: list[GridOut]})
@api_require(Perm.GRID_MANAGE)
def grid_fill(request: HttpRequest, enterprise_id: int) -> Any:
    """A workshop grid for each of the enterprise's workshops that has none; the new ones."""
    actor = actor_of(request)
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.GRID_MANAGE, pk=enterprise_id)
    created = services.grids_from_workshops(actor, enterprise)
    fresh = list(
        Grid.objects.filter(pk__in=[g.pk for g in created]).select_related(
            "enterprise", "workshop", "responsible"
        )
    )
    return Status(201, _out(actor, fresh))
