"""Daily-health fixtures: the shared personas plus a gate at enterprise A, pass codes, and a
gate token for devices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.conftest import World
from tests.factories import id_number, make_employee
from workgate.core.access import Actor
from workgate.core.models import Membership, Role
from workgate.core.services import token_create
from workgate.health import services
from workgate.health.models import Gate
from workgate.registry.models import Employee


def actor_of(world: World, persona: str) -> Actor:
    return Actor.from_membership(Membership.objects.get(user=world.users[persona]))


@dataclass
class Health:
    world: World
    gate: Gate
    gate_b: Gate
    a: list[Employee]  # enterprise A, on duty
    b: list[Employee]  # enterprise B, on duty
    codes: dict[int, str]  # employee id → pass code
    gate_actor: Actor
    officer: Actor
    staff: Actor
    token: str  # a device token of enterprise A's gate role

    def code(self, employee: Employee) -> str:
        return self.codes[employee.pk]


@pytest.fixture
def health(world: World) -> Health:
    staff = actor_of(world, "staff")
    officer = actor_of(world, "officer_a")
    a = [
        make_employee(
            world.enterprise_a,
            name=f"甲{i}",
            id_number=id_number("330203", dt.date(1980 + i, 3, 1 + i), 200 + i),
            risk_level="low",
        )
        for i in range(5)
    ]
    b = [
        make_employee(
            world.enterprise_b,
            name=f"乙{i}",
            id_number=id_number("330204", dt.date(1985 + i, 5, 1 + i), 300 + i),
            risk_level="low",
        )
        for i in range(3)
    ]
    gate = services.gate_add(actor=officer, enterprise=world.enterprise_a, name="北门")
    gate_b = services.gate_add(actor=staff, enterprise=world.enterprise_b, name="南门")
    services.pass_codes_ensure(employee_ids=[e.pk for e in a + b])
    from workgate.health.models import PassCode

    codes = dict(PassCode.objects.values_list("employee_id", "code"))
    _api_token, secret = token_create(
        actor=staff, name="北门平板", role=Role.GATE, enterprise_id=world.enterprise_a.pk
    )
    return Health(
        world=world,
        gate=gate,
        gate_b=gate_b,
        a=a,
        b=b,
        codes=codes,
        gate_actor=actor_of(world, "gate_a"),
        officer=officer,
        staff=staff,
        token=secret,
    )


def now() -> dt.datetime:
    return timezone.now()
