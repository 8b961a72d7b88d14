"""Every write of grids: drawing a grid, naming the member responsible, a chat group's members."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm, require_own_enterprise
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry, Enterprise, Membership, User
from workgate.core.services import ServiceError
from workgate.core.text import normalise_text
from workgate.grid.models import Grid
from workgate.registry.models import Employee, Workshop


def _responsible(actor: Actor, enterprise: Enterprise, user: Any) -> User | None:
    """An active member of the community; one tied to an enterprise only for that enterprise."""
    if user in (None, ""):
        return None
    if not isinstance(user, User):
        user = User.objects.filter(pk=user).first()
    ok = (
        user is not None
        and user.is_active
        and Membership.objects.filter(community_id=actor.community_id, user=user, is_active=True)
        .filter(Q(enterprise__isnull=True) | Q(enterprise_id=enterprise.pk))
        .exists()
    )
    if not ok:
        raise ServiceError(
            _("Choose an active member of this community or of this enterprise."),
            field="responsible",
        )
    return user


@transaction.atomic
def save_grid(actor: Actor, grid: Grid | None, data: dict[str, Any]) -> Grid:
    creating = grid is None
    if grid is None:
        enterprise = data.get("enterprise")
        if enterprise is not None and not isinstance(enterprise, Enterprise):
            enterprise = Enterprise.objects.filter(pk=enterprise).first()
        if enterprise is None:
            raise ServiceError(_("Choose the enterprise."), field="enterprise")
        require_own_enterprise(actor, enterprise, Perm.GRID_MANAGE)
        grid = Grid(community_id=actor.community_id, enterprise=enterprise)
    else:
        if grid.community_id != actor.community_id:
            raise PermissionDenied
        require_own_enterprise(actor, grid.enterprise, Perm.GRID_MANAGE)
    if "kind" in data or creating:
        kind = data.get("kind") or Grid.Kind.WORKSHOP
        if kind not in Grid.Kind.values:
            raise ServiceError(_("Choose workshop, dormitory or chat group."), field="kind")
        grid.kind = kind
    if grid.kind == Grid.Kind.WORKSHOP:
        workshop = data.get("workshop", grid.workshop)
        if workshop is not None and not isinstance(workshop, Workshop):
            workshop = Workshop.objects.filter(pk=workshop).first()
        if workshop is None or workshop.enterprise_id != grid.enterprise_id:
            raise ServiceError(_("Choose a workshop of this enterprise."), field="workshop")
        grid.workshop, grid.dorm_prefix = workshop, ""
    elif grid.kind == Grid.Kind.DORM:
        prefix = normalise_text(str(data.get("dorm_prefix", grid.dorm_prefix) or ""))
        if not prefix:
            raise ServiceError(
                _("Enter how the building's rooms begin, e.g. 3号楼."), field="dorm_prefix"
            )
        grid.dorm_prefix, grid.workshop = prefix[:50], None
    else:
        grid.workshop, grid.dorm_prefix = None, ""
    if "name" in data or creating:
        name = normalise_text(str(data.get("name") or ""))
        if not name:
            name = grid.workshop.name if grid.workshop else grid.dorm_prefix
        if not name:
            raise ServiceError(_("Enter the grid's name."), field="name")
        clash = Grid.objects.filter(enterprise=grid.enterprise, name=name)
        if grid.pk:
            clash = clash.exclude(pk=grid.pk)
        if clash.exists():
            raise ServiceError(_("This enterprise already has a grid of this name."), field="name")
        grid.name = name[:80]
    if "responsible" in data:
        grid.responsible = _responsible(actor, grid.enterprise, data["responsible"])
    grid.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        obj=grid,
        detail={"responsible": grid.responsible_id},
        community_id=actor.community_id,
        enterprise_id=grid.enterprise_id,
    )
    return grid


@transaction.atomic
def set_members(actor: Actor, grid: Grid, employees: list[Employee]) -> Grid:
    """A chat group's members: employees of the grid's enterprise only."""
    require_own_enterprise(actor, grid.enterprise, Perm.GRID_MANAGE)
    if grid.community_id != actor.community_id:
        raise PermissionDenied
    if grid.kind != Grid.Kind.CHAT:
        raise ServiceError(
            _("Only a chat group lists its members; the others follow the registry."),
            field="members",
        )
    strangers = [e.name for e in employees if e.enterprise_id != grid.enterprise_id]
    if strangers:
        raise ServiceError(
            _("Not employees of this enterprise: %(names)s.") % {"names": "、".join(strangers[:5])},
            field="members",
        )
    grid.members.set(employees)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=grid,
        detail={"members": len(employees)},
        community_id=actor.community_id,
        enterprise_id=grid.enterprise_id,
    )
    return grid


@transaction.atomic
def delete_grid(actor: Actor, grid: Grid) -> None:
    require_own_enterprise(actor, grid.enterprise, Perm.GRID_MANAGE)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=grid,
        community_id=actor.community_id,
        enterprise_id=grid.enterprise_id,
    )
    grid.delete()


@transaction.atomic
def grids_from_workshops(actor: Actor, enterprise: Enterprise) -> list[Grid]:
    """A workshop grid for each of the enterprise's workshops that has none yet, named after the
    workshop (with a number when another grid already has that name); nobody responsible yet."""
    require_own_enterprise(actor, enterprise, Perm.GRID_MANAGE)
    covered = set(
        Grid.objects.filter(enterprise=enterprise, kind=Grid.Kind.WORKSHOP).values_list(
            "workshop_id", flat=True
        )
    )
    names = set(Grid.objects.filter(enterprise=enterprise).values_list("name", flat=True))
    created = []
    for workshop in Workshop.objects.filter(enterprise=enterprise).order_by("name", "pk"):
        if workshop.pk in covered:
            continue
        name, n = workshop.name[:80], 2
        while name in names:
            name, n = f"{workshop.name[:75]} ({n})", n + 1
        names.add(name)
        grid = Grid.objects.create(
            community_id=actor.community_id,
            enterprise=enterprise,
            kind=Grid.Kind.WORKSHOP,
            workshop=workshop,
            name=name,
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=grid,
            detail={"from": "workshop"},
            community_id=actor.community_id,
            enterprise_id=enterprise.pk,
        )
        created.append(grid)
    return created


def my_grid_viewed(
    actor: Actor, grids: list[Grid], *, shown: int, total: int, request: Any = None
) -> None:
    """The responsible member saw their people's health status: audited as a reveal of the grids
    (the number of people only, never who)."""
    if not total:
        return
    audit_record(
        actor=actor,
        action=AuditEntry.Action.REVEAL,
        object_type=Grid._meta.label_lower,
        object_id=",".join(str(g.pk) for g in grids)[:64],
        object_repr="、".join(g.name for g in grids)[:200] or _("People named in their files"),
        detail={"field": "grid status", "people": shown, "of": total},
        request=request,
        community_id=actor.community_id,
    )


def set_member_ids(actor: Actor, grid: Grid, ids: list[int]) -> Grid:
    """`set_members` by employee ids, as the API and the editor send them; an id that is not an
    employee of this community is refused like a stranger."""
    wanted = set(ids)
    employees = list(Employee.objects.filter(community_id=actor.community_id, pk__in=wanted))
    missing = wanted - {e.pk for e in employees}
    if missing:
        raise ServiceError(
            _("No such employee: %(ids)s.")
            % {"ids": ", ".join(str(i) for i in sorted(missing)[:5])},
            field="members",
        )
    return set_members(actor, grid, employees)
