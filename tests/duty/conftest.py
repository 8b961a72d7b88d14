"""A community with duty posts: enterprise A's east gate (two people a shift, 07-15 and 15-23)
planned for the week from tomorrow, volunteers linked to the `volunteer` and `gate_a`
personas and two more, and some of the shifts filled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.conftest import World
from workgate.core.access import Actor
from workgate.core.models import Membership, User
from workgate.duty import services
from workgate.duty.models import Post, Shift
from workgate.health.models import Gate
from workgate.volunteers import services as vol_services
from workgate.volunteers.models import Volunteer


def actor_for(user: User) -> Actor:
    return Actor.from_membership(Membership.objects.filter(user=user).first())


@dataclass
class Duty:
    world: World
    staff: Actor
    gate: Gate
    post: Post
    start: dt.date  # tomorrow: the first planned day
    me: Volunteer  # the `volunteer` persona
    colleague: Volunteer  # the `gate_a` persona
    others: list[Volunteer]

    def shifts(self, day: int = 0) -> list[Shift]:
        """The post's shifts of the `day`-th planned day, morning first."""
        return list(
            Shift.objects.filter(post=self.post, day=self.start + dt.timedelta(days=day)).order_by(
                "starts_at"
            )
        )


@pytest.fixture
def rostered(world: World) -> Duty:
    staff = actor_for(world.users["staff"])
    gate = Gate.objects.create(enterprise=world.enterprise_a, name="东门")
    post = services.save_post(
        staff,
        None,
        {"kind": "gate", "gate": gate, "needed": 2, "shift_times": "07:00-15:00, 15:00-23:00"},
    )
    start = timezone.localdate() + dt.timedelta(days=1)
    services.plan_shifts(staff, start, 7)
    me = vol_services.save_volunteer(
        staff, None, {"name": "王志愿", "mobile": "13700001111", "user": world.users["volunteer"]}
    )
    colleague = vol_services.save_volunteer(
        staff, None, {"name": "陈门岗", "mobile": "13700002222", "user": world.users["gate_a"]}
    )
    others = [
        vol_services.save_volunteer(staff, None, {"name": f"党员{i}", "mobile": f"1370000333{i}"})
        for i in range(2)
    ]
    d = Duty(world, staff, gate, post, start, me, colleague, others)
    morning, evening = d.shifts(0)
    services.assign(staff, morning, me)
    services.assign(staff, evening, colleague)
    return d
