"""Screening fixtures: the shared personas plus non-local people, Hubei high risk, callers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.conftest import World
from tests.factories import id_number, make_employee, make_user
from workgate.core.access import Actor
from workgate.core.models import Membership, Role
from workgate.registry.models import Employee
from workgate.screening import services


def actor_of(world: World, persona: str) -> Actor:
    membership = Membership.objects.get(user=world.users[persona])
    return Actor.from_membership(membership)


@dataclass
class Screening:
    world: World
    staff: Actor
    volunteer: Actor
    hubei: list[Employee]
    anhui: list[Employee]
    local: list[Employee]


@pytest.fixture
def screening(world: World) -> Screening:
    staff = actor_of(world, "staff")
    hubei = [
        make_employee(
            world.enterprise_a if i % 2 else world.enterprise_b,
            name=f"鄂{i}",
            id_number=id_number("420102", dt.date(1990, 1, 1 + i), 100 + i),
            current_region_id="420102",
            arrived=False,
            job_status="away",
            mobile=f"1390000{i:04d}",
        )
        for i in range(6)
    ]
    anhui = [
        make_employee(
            world.enterprise_a,
            name=f"皖{i}",
            id_number=id_number("341221", dt.date(1991, 2, 1 + i), 200 + i),
            current_region_id="330206",
            arrived=True,
            mobile=f"1380000{i:04d}",
        )
        for i in range(4)
    ]
    local = list(Employee.objects.filter(is_local=True))
    services.region_risk_set(
        actor=staff,
        region=__import__("workgate.registry.models", fromlist=["Region"]).Region.objects.get(
            code="420000"
        ),
        level="high",
        effective_from=dt.date(2020, 1, 23),
        reassess=False,
    )
    return Screening(world, staff, actor_of(world, "volunteer"), hubei, anhui, local)


def more_volunteers(world: World, n: int) -> list[Actor]:
    out = []
    for i in range(n):
        user = make_user(f"vol-{i:02d}", Role.VOLUNTEER, world.community)
        out.append(Actor.from_membership(Membership.objects.get(user=user)))
    return out
