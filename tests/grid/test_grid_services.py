"""Grids: a responsible member sees their people with today's status, and nobody else."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import make_employee, make_user
from workgate.core.access import Actor
from workgate.core.models import Membership, Role
from workgate.grid import queries, services
from workgate.registry.models import Employee, Workshop


def actor_for(user) -> Actor:
    return Actor.from_membership(Membership.objects.filter(user=user).first())


def test_member_sees_only_their_grid(world):
    officer = actor_for(world.users["officer_a"])
    w1 = Workshop.objects.create(enterprise=world.enterprise_a, name="一车间")
    w2 = Workshop.objects.create(enterprise=world.enterprise_a, name="二车间")
    mine = [make_employee(world.enterprise_a, name=f"甲{i}", workshop=w1) for i in range(3)]
    make_employee(world.enterprise_a, name="乙", workshop=w2)
    make_employee(world.enterprise_a, name="丙", workshop=w2, dorm_room="3号楼201")
    mine[1].quarantine_status = Employee.Quarantine.HOME
    mine[1].save()
    member = make_user("grid1", Role.VOLUNTEER, world.community)
    services.save_grid(
        officer,
        None,
        {
            "enterprise": world.enterprise_a,
            "kind": "workshop",
            "workshop": w1,
            "responsible": member,
        },
    )
    dorm = services.save_grid(
        officer, None, {"enterprise": world.enterprise_a, "kind": "dorm", "dorm_prefix": "3号楼"}
    )
    view = queries.my_grid(actor_for(member))
    assert sorted(p.employee.name for p in view.people) == ["甲0", "甲1", "甲2"]
    assert view.people[0].status == queries.Status.QUARANTINE
    assert view.count(queries.Status.MISSING) == 2
    other = make_user("grid2", Role.VOLUNTEER, world.community)
    services.save_grid(officer, dorm, {"responsible": other})
    assert [p.employee.name for p in queries.my_grid(actor_for(other)).people] == ["丙"]
    with pytest.raises(PermissionDenied):
        services.save_grid(actor_for(world.users["officer_b"]), dorm, {"name": "x"})
