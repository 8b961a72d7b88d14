"""Call-outs through the services: every matching volunteer asked at once, answers counted
exactly, the waiting list takes over a declined place, a double tap counts once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from tests.factories import make_user
from workgate.core.access import Actor
from workgate.core.models import Membership, Notification, Role
from workgate.core.services import ServiceError
from workgate.volunteers import services
from workgate.volunteers.models import Answer, CallOut
from workgate.volunteers.queries import progress


def actor_for(user) -> Actor:
    return Actor.from_membership(Membership.objects.filter(user=user).first())


@pytest.fixture
def body(world):
    staff = actor_for(world.users["staff"])
    team = services.save_team(staff, "老三集团党员志愿服务队")
    liaison, logistics, material = team.groups.order_by("position")
    people = []
    for i in range(6):
        user = make_user(f"vol{i}", Role.VOLUNTEER, world.community)
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
    return staff, team, (liaison, logistics, material), people


def post(staff, needed=2, **kw):
    return services.post_callout(
        staff,
        title="门岗测温",
        place="大港工业城北门",
        starts_at=timezone.now() + dt.timedelta(hours=1),
        needed=needed,
        **kw,
    )


def vol(people, i) -> Actor:
    return actor_for(people[i].user)


def test_callout_asks_matching_volunteers_and_notifies(world, body):
    staff, _team, (liaison, logistics, _m), people = body
    callout = post(staff, groups=[liaison], skills="驾驶")
    asked = set(callout.answers.values_list("volunteer_id", flat=True))
    assert asked == {people[1].pk, people[3].pk}  # liaison members who drive
    assert Notification.objects.filter(kind="volunteers.callout").count() == 2
    with translation.override("en"), pytest.raises(ServiceError, match="No active volunteer"):
        post(staff, groups=[logistics], skills="厨师")


def test_answers_fill_then_wait_then_take_over(world, body):
    staff, *_rest, people = body
    callout = post(staff, needed=2)
    services.answer(vol(people, 0), callout, True)
    services.answer(vol(people, 1), callout, True)
    callout.refresh_from_db()
    assert (callout.accepted, callout.state) == (2, CallOut.State.FILLED)
    late = services.answer(vol(people, 2), callout, True)
    assert late.reply == Answer.Reply.WAITING
    with translation.override("en"), pytest.raises(ServiceError, match="already recorded"):
        services.answer(vol(people, 0), callout, True)  # a double tap
    services.answer(vol(people, 1), callout, False)  # gives the place to the first waiting
    callout.refresh_from_db()
    assert callout.accepted == 2
    assert Answer.objects.get(callout=callout, volunteer=people[2]).reply == Answer.Reply.ACCEPTED
    p = progress(callout)
    assert (p.asked, p.accepted, p.declined, p.waiting, p.unanswered) == (6, 2, 1, 0, 3)
    assert len(p.accept_minutes) == 2


def test_only_asked_volunteers_answer_and_not_after_closing(world, body):
    staff, _team, (liaison, _l, _m), people = body
    callout = post(staff, groups=[liaison])
    with pytest.raises(PermissionDenied):
        services.answer(vol(people, 5), callout, True)  # not in the liaison group
    services.close_callout(staff, callout)
    with translation.override("en"), pytest.raises(ServiceError, match="Closed"):
        services.answer(vol(people, 0), callout, True)


@pytest.mark.parametrize("value", ["0", "-1", "twenty", "10001"])
def test_bad_numbers_refused(world, body, value):
    staff, *_ = body
    with pytest.raises(ServiceError):
        post(staff, needed=value)
