"""Duty rosters through the services: planning a week from a post's pattern, assigning without
double booking, swaps that need the colleague and then a manager, reminders once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from tests.factories import make_user
from workgate.core.access import Actor
from workgate.core.models import Membership, Notification, Role
from workgate.core.services import ServiceError
from workgate.duty import queries, services
from workgate.duty.models import Assignment, Shift, Swap
from workgate.health.models import Gate
from workgate.volunteers import services as vol_services


def actor_for(user) -> Actor:
    return Actor.from_membership(Membership.objects.filter(user=user).first())


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def duty(world):
    staff = actor_for(world.users["staff"])
    gate = Gate.objects.create(enterprise=world.enterprise_a, name="东门")
    post = services.save_post(
        staff,
        None,
        {"kind": "gate", "gate": gate, "needed": 2, "shift_times": "07:00－15:00，15:00-23:00"},
    )
    people = []
    for i in range(4):
        user = make_user(f"duty{i}", Role.VOLUNTEER, world.community)
        people.append(
            vol_services.save_volunteer(
                staff, None, {"name": f"值班{i}", "mobile": f"1370000{i:04d}", "user": user}
            )
        )
    return staff, gate, post, people


def test_post_pattern_and_planning(world, duty):
    staff, _gate, post, _people = duty
    assert post.name == f"{world.enterprise_a.name} 东门"
    assert post.shift_times == [["07:00", "15:00"], ["15:00", "23:00"]]
    start = timezone.localdate() + dt.timedelta(days=1)
    assert services.plan_shifts(staff, start, 7) == 14
    assert services.plan_shifts(staff, start, 7) == 0  # planning again changes nothing
    with pytest.raises(ServiceError, match="not a shift"):
        services.save_post(staff, post, {"shift_times": "7点到15点"})
    night = services.save_post(
        staff, None, {"kind": "call_centre", "name": "呼叫中心", "shift_times": "22:00-06:00"}
    )
    services.plan_shifts(staff, start, 1, posts=[night])
    shift = Shift.objects.get(post=night)
    assert shift.ends_at - shift.starts_at == dt.timedelta(hours=8)


def test_assign_refuses_full_and_double_booking(world, duty):
    staff, _gate, post, people = duty
    start = timezone.localdate() + dt.timedelta(days=1)
    services.plan_shifts(staff, start, 1)
    morning, evening = Shift.objects.filter(post=post).order_by("starts_at")
    services.assign(staff, morning, people[0])
    services.assign(staff, morning, people[1])
    with pytest.raises(ServiceError, match="already has the 2 people"):
        services.assign(staff, morning, people[2])
    other = services.save_post(
        staff, None, {"kind": "call_centre", "name": "呼叫中心", "shift_times": "08:00-12:00"}
    )
    services.plan_shifts(staff, start, 1, posts=[other])
    with pytest.raises(ServiceError, match="already on duty at"):
        services.assign(staff, Shift.objects.get(post=other), people[0])
    services.assign(staff, evening, people[0])  # back to back is fine
    roster = queries.roster(actor_for(world.users["staff"]), start, queries.posts(staff), 7)
    row = next(r for r in roster.rows if r.post == post)
    assert [n for _pk, n in row.days[0][0].people] == ["值班0", "值班1"]
    assert row.days[0][1].short == 1
    assert Notification.objects.filter(kind="duty.assigned").count() == 3


def test_officer_manages_only_own_enterprise_posts(world, duty):
    _staff, _gate, post, _people = duty
    officer_b = actor_for(world.users["officer_b"])
    with pytest.raises(PermissionDenied):
        services.save_post(officer_b, post, {"needed": 1})
    gate_b = Gate.objects.create(enterprise=world.enterprise_b, name="南门")
    mine = services.save_post(
        officer_b, None, {"kind": "gate", "gate": gate_b, "shift_times": "08:00-17:00"}
    )
    assert mine.enterprise_id == world.enterprise_b.pk
    with pytest.raises(PermissionDenied):
        services.plan_shifts(officer_b, timezone.localdate(), 7, posts=[post])


def test_swap_needs_colleague_then_manager(world, duty):
    staff, _gate, post, people = duty
    start = timezone.localdate() + dt.timedelta(days=1)
    services.plan_shifts(staff, start, 1)
    morning, evening = Shift.objects.filter(post=post).order_by("starts_at")
    services.assign(staff, morning, people[0])
    services.assign(staff, evening, people[1])
    me, colleague = actor_for(people[0].user), actor_for(people[1].user)
    swap = services.request_swap(me, morning, people[1], in_return=evening, reason="家里有事")
    assert Notification.objects.filter(kind="duty.swap_asked", recipient=people[1].user).exists()
    with pytest.raises(ServiceError, match="not agreed yet"):
        services.decide_swap(staff, swap, True)
    with pytest.raises(PermissionDenied):
        services.answer_swap(me, swap, True)  # only the colleague answers
    services.answer_swap(colleague, swap, True)
    assert Assignment.objects.get(shift=morning).volunteer == people[0]  # nothing moved yet
    services.decide_swap(staff, swap, True)
    assert Assignment.objects.get(shift=morning).volunteer == people[1]
    assert Assignment.objects.get(shift=evening).volunteer == people[0]
    assert Swap.objects.get(pk=swap.pk).state == Swap.State.APPROVED


def test_reminders_once_per_assignment(world, duty):
    staff, _gate, post, people = duty
    now = timezone.now()
    shift = Shift.objects.create(
        post=post,
        community=world.community,
        day=timezone.localdate(),
        starts_at=now + dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=8),
        needed=2,
    )
    later = Shift.objects.create(
        post=post,
        community=world.community,
        day=timezone.localdate(),
        starts_at=now + dt.timedelta(hours=9),
        ends_at=now + dt.timedelta(hours=17),
        needed=2,
    )
    services.assign(staff, shift, people[0], tell=False)
    services.assign(staff, shift, people[1], tell=False)
    services.assign(staff, later, people[2], tell=False)
    assert services.send_reminders(now) == 2
    assert services.send_reminders(now) == 0
    assert Notification.objects.filter(kind="duty.reminder").count() == 2
    on = queries.on_duty(world.community.pk, gate_id=post.gate_id, at=now + dt.timedelta(hours=1))
    assert [o.name for o in on] == ["值班0", "值班1"]


def test_gaps_show_short_shifts_and_unplanned_days(world, duty):
    staff, _gate, post, people = duty
    start = timezone.localdate() + dt.timedelta(days=1)
    services.plan_shifts(staff, start, 2)
    first = Shift.objects.filter(post=post).order_by("starts_at").first()
    services.assign(staff, first, people[0])
    gaps = queries.gaps(staff, start, 7)
    planned = [g for g in gaps if g.starts_at is not None]
    assert len(planned) == 4 and planned[0].short == 1
    assert len([g for g in gaps if g.starts_at is None]) == 5
