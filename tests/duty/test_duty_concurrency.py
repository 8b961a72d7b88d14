"""Simultaneous assignments on PostgreSQL, each on its own connection: a volunteer put on two
overlapping shifts at two gates at once ends up on one; a shift for two offered to four people
at once gets exactly two."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.utils import timezone

from tests.duty.test_duty_services import actor_for
from tests.factories import make_user
from tests.resumption.test_concurrency import race
from workgate.core.models import Role
from workgate.core.services import ServiceError
from workgate.duty import services
from workgate.duty.models import Assignment, Shift
from workgate.health.models import Gate
from workgate.volunteers import services as vol_services

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite serialises writers; the race needs two server connections",
    ),
]


@pytest.fixture
def two_gates(world):
    staff = actor_for(world.users["staff"])
    posts = [
        services.save_post(
            staff,
            None,
            {
                "kind": "gate",
                "gate": Gate.objects.create(enterprise=ent, name="东门"),
                "needed": 2,
                "shift_times": "07:00-15:00",
            },
        )
        for ent in (world.enterprise_a, world.enterprise_b)
    ]
    services.plan_shifts(staff, timezone.localdate() + dt.timedelta(days=1), 1)
    people = [
        vol_services.save_volunteer(
            staff,
            None,
            {
                "name": f"值守{i}",
                "mobile": f"1360000{i:04d}",
                "user": make_user(f"race{i}", Role.VOLUNTEER, world.community),
            },
        )
        for i in range(4)
    ]
    shifts = [Shift.objects.get(post=p) for p in posts]
    return staff, shifts, people


def test_one_person_on_two_gates_at_once_ends_on_one(world, two_gates):
    _staff, shifts, people = two_gates
    officer_a, officer_b = actor_for(world.users["officer_a"]), actor_for(world.users["officer_b"])
    jobs = iter([(officer_a, shifts[0]), (officer_b, shifts[1])])
    pick = threading.Lock()

    def assign():
        with pick:
            who, shift = next(jobs)
        return services.assign(who, shift, people[0], tell=False)

    done, errors = race(2, assign)
    assert len(done) == 1 and len(errors) == 1
    assert isinstance(errors[0], ServiceError) and errors[0].code == "busy"
    assert Assignment.objects.filter(volunteer=people[0]).count() == 1


def test_a_shift_for_two_offered_to_four_at_once_gets_two(world, two_gates):
    staff, shifts, people = two_gates
    who = iter(people)
    pick = threading.Lock()

    def assign():
        with pick:
            volunteer = next(who)
        return services.assign(staff, shifts[0], volunteer, tell=False)

    done, errors = race(4, assign)
    assert len(done) == 2
    assert all(isinstance(e, ServiceError) and e.code == "full" for e in errors)
    assert Assignment.objects.filter(shift=shifts[0]).count() == 2
