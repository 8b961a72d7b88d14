"""A community with grids: two members responsible for grids of two enterprises, and another
community whose grid and people must stay out of sight."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.conftest import World
from tests.factories import make_employee, make_user
from workgate.core.access import Actor
from workgate.core.models import Membership, Role, User
from workgate.grid import services
from workgate.grid.models import Grid
from workgate.health import partitions
from workgate.health.models import Check
from workgate.registry.models import Employee, Workshop


def actor_of(user: User) -> Actor:
    return Actor.from_membership(Membership.objects.filter(user=user).first())


def check_today(employee: Employee) -> None:
    """A gate check today, written as the gate stores it."""
    day = timezone.localdate()
    partitions.ensure([day])
    Check.objects.create(
        taken_on=day,
        uuid=uuid.uuid4(),
        taken_at=timezone.now() - dt.timedelta(minutes=5),
        community_id=employee.community_id,
        enterprise_id=employee.enterprise_id,
        employee=employee,
        kind="gate",
        round_no=1,
        temperature="36.5",
        source="device",
    )


@dataclass
class Grids:
    world: World
    member1: User  # a volunteer: 一车间 of enterprise A (3 people)
    member2: User  # a volunteer: 二车间 of A and dormitory 3号楼 of B
    outsider_member: User  # another community's volunteer with a grid there
    ws1: Workshop
    ws2: Workshop
    ws_b: Workshop
    ws_o: Workshop
    g1: Grid
    g2: Grid
    g_dorm_b: Grid
    g_other: Grid

    def actor(self, persona: str) -> Actor:
        return actor_of(self.world.users[persona])


@pytest.fixture
def grids(world: World) -> Grids:
    w = world
    member1 = make_user("member1", Role.VOLUNTEER, w.community)
    member2 = make_user("member2", Role.VOLUNTEER, w.community)
    outsider_member = make_user("outsider_member", Role.VOLUNTEER, w.other_community)
    w.users.update(member1=member1, member2=member2, outsider_member=outsider_member)
    ws1 = Workshop.objects.create(enterprise=w.enterprise_a, name="一车间")
    ws2 = Workshop.objects.create(enterprise=w.enterprise_a, name="二车间")
    ws_b = Workshop.objects.create(enterprise=w.enterprise_b, name="装配车间")
    ws_o = Workshop.objects.create(enterprise=w.enterprise_other, name="一车间")
    checked = make_employee(w.enterprise_a, name="王已检", workshop=ws1, mobile="13811112222")
    check_today(checked)
    quarantined = make_employee(
        w.enterprise_a,
        name="赵隔离",
        workshop=ws1,
        quarantine_status=Employee.Quarantine.HOME,
        mobile="13833334444",
    )
    make_employee(w.enterprise_a, name="钱未检", workshop=ws1, mobile="13855556666")
    make_employee(w.enterprise_a, name="孙离职", workshop=ws1, job_status=Employee.JobStatus.LEFT)
    assert quarantined.pk
    make_employee(w.enterprise_a, name="李二车间", workshop=ws2, dorm_room="3号楼101")
    make_employee(
        w.enterprise_b, name="周发热", workshop=ws_b, dorm_room="3号楼201", health_status="fever"
    )
    make_employee(w.enterprise_b, name="吴别楼", workshop=ws_b, dorm_room="5号楼301")
    make_employee(w.enterprise_other, name="外区甲", workshop=ws_o, dorm_room="3号楼201")
    staff, outsider = actor_of(w.users["staff"]), actor_of(w.users["outsider_staff"])
    g1 = services.save_grid(
        staff,
        None,
        {"enterprise": w.enterprise_a, "kind": "workshop", "workshop": ws1, "responsible": member1},
    )
    g2 = services.save_grid(
        staff,
        None,
        {"enterprise": w.enterprise_a, "kind": "workshop", "workshop": ws2, "responsible": member2},
    )
    g_dorm_b = services.save_grid(
        staff,
        None,
        {
            "enterprise": w.enterprise_b,
            "kind": "dorm",
            "dorm_prefix": "3号楼",
            "responsible": member2,
        },
    )
    g_other = services.save_grid(
        outsider,
        None,
        {
            "enterprise": w.enterprise_other,
            "kind": "dorm",
            "dorm_prefix": "3号楼",
            "responsible": outsider_member,
        },
    )
    return Grids(
        w, member1, member2, outsider_member, ws1, ws2, ws_b, ws_o, g1, g2, g_dorm_b, g_other
    )
