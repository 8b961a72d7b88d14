"""The volunteer body of the tests: a party volunteer team with its three groups, six
volunteers with accounts (the `volunteer` persona is one of them) and a call-out to them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.conftest import World
from tests.factories import make_user
from workgate.core.access import Actor
from workgate.core.models import Membership, Role, User
from workgate.volunteers import services
from workgate.volunteers.models import CallOut, Group, Team, Volunteer

TEAM = "老三集团党员志愿服务队"
TITLE = "北门测温志愿者"


def actor_for(user: User) -> Actor:
    return Actor.from_membership(Membership.objects.filter(user=user).first())


@dataclass
class Body:
    world: World
    staff: Actor
    team: Team
    liaison: Group
    logistics: Group
    material: Group
    people: list[Volunteer]  # people[0] is the `volunteer` persona

    def actor(self, i: int) -> Actor:
        return actor_for(self.people[i].user)

    def post(self, needed: int = 2, **kw: object) -> CallOut:
        return services.post_callout(
            self.staff,
            title=kw.pop("title", TITLE),
            place="大港工业城北门",
            starts_at=timezone.now() + dt.timedelta(hours=1),
            needed=needed,
            **kw,
        )


@pytest.fixture
def body(world: World) -> Body:
    staff = actor_for(world.users["staff"])
    team = services.save_team(staff, TEAM)
    liaison, logistics, material = team.groups.order_by("position")
    people = []
    for i in range(6):
        user = (
            world.users["volunteer"]
            if i == 0
            else make_user(f"vol{i}", Role.VOLUNTEER, world.community)
        )
        people.append(
            services.save_volunteer(
                staff,
                None,
                {
                    "name": f"党员{i}",
                    "mobile": f"1390000{i:04d}",
                    "user": user,
                    "skills": "驾驶, 测温" if i % 2 else "测温",
                },
            )
        )
    services.set_group_members(staff, liaison, people[:4], leader=people[0])
    services.set_group_members(staff, logistics, people[4:])
    return Body(world, staff, team, liaison, logistics, material, people)


@pytest.fixture
def callout(body: Body) -> CallOut:
    return body.post(needed=2)
