"""The demo's volunteers, rosters and grids: the 84 who answered Dagang's call and their groups,
a call-out mid-response whose counts add up, a week of shifts with some gaps, and the `volunteer`
account with shifts, a grid and a call-out to answer."""

from __future__ import annotations

import datetime as dt
import re
import statistics

import pytest
from django.db.models import Count, F
from django.utils import timezone

from workgate.core.access import Actor
from workgate.core.demo import build_demo
from workgate.core.models import AuditEntry, Enterprise, GroupRobot, Membership, Notification
from workgate.duty import queries as duty_queries
from workgate.duty.models import Assignment, Post, Shift, Swap
from workgate.grid import queries as grid_queries
from workgate.grid.models import Grid
from workgate.registry.models import Employee
from workgate.volunteers import queries as volunteer_queries
from workgate.volunteers.models import Answer, CallOut, Team, Volunteer

pytestmark = pytest.mark.django_db
MOBILE = re.compile(r"^1[3-9]\d{9}$")


@pytest.fixture
def community(django_capture_on_commit_callbacks):
    # The services stamp what they write with the real clock, so the story is built for today.
    with django_capture_on_commit_callbacks(execute=True):
        return build_demo(scale=0.02, seed=7, log=lambda _m: None, today=timezone.localdate())


def actor(username: str) -> Actor:
    return Actor.from_membership(
        Membership.objects.select_related("user").get(user__username=username)
    )


def test_the_demo_tells_the_volunteers_story(community):
    me = Volunteer.objects.get(community=community, user__username="volunteer")
    _party_body(community, me)
    _call_outs(community, me)
    _rosters(community, me)
    _grids(community)


def _party_body(community, me):
    team = Team.objects.get(community=community, name="大港党员志愿服务队")
    groups = list(team.groups.order_by("position"))
    assert [g.name for g in groups] == ["联络组", "后勤组", "物资保障组"]
    body = Volunteer.objects.filter(groups__team=team).distinct()
    assert body.count() == 84
    assert all(v.kind == Volunteer.Kind.PARTY and MOBILE.match(v.mobile) for v in body)
    assert all(v.skills and v.user_id for v in body)  # everyone answers from their phone
    assert all(g.leader in g.members.all() for g in groups) and team.leader is not None
    assert me.name == "孙党员" and me.groups.get().name == "联络组"
    # The largest enterprise's 8-person party team, in the same three groups.
    laosan = Team.objects.exclude(pk=team.pk).get(community=community)
    assert laosan.name.endswith("党员志愿服务队")
    assert [g.members.count() for g in laosan.groups.order_by("position")] == [3, 3, 2]
    # Staff of enterprises back at work keep their gates.
    staff = Volunteer.objects.filter(community=community, kind=Volunteer.Kind.STAFF)
    assert staff.exists()
    assert not staff.exclude(enterprise__status=Enterprise.Status.RESUMED).exists()
    robot = GroupRobot.objects.get(community=community)
    assert not robot.is_active and "demo-not-a-real-key" in robot.webhook_url
    assert Team.objects.get(pk=team.pk).robot == robot


def _call_outs(community, me):
    for callout in CallOut.objects.filter(community=community):
        counted = callout.answers.filter(reply=Answer.Reply.ACCEPTED).count()
        assert callout.accepted == counted, callout.title
    seed = CallOut.objects.get(community=community, state=CallOut.State.FILLED)
    progress = volunteer_queries.progress(seed)
    assert seed.accepted == seed.needed == progress.asked == 84
    assert max(progress.accept_minutes) <= 30
    assert seed.filled_at == seed.answers.order_by("-answered_at").first().answered_at

    live = CallOut.objects.get(community=community, state=CallOut.State.OPEN)
    progress = volunteer_queries.progress(live)
    assert live.needed == 100 and progress.asked == 92  # the 84 and Laosan's 8
    assert 55 <= progress.accepted <= 65 and progress.declined >= 2 and progress.waiting == 0
    ago = (timezone.now() - live.posted_at).total_seconds() / 60
    assert 19 <= ago <= 25
    minutes = progress.accept_minutes
    assert minutes == sorted(minutes) and minutes[0] > 0 and minutes[-1] <= 20
    assert statistics.median(minutes) < 8  # fast at first
    # Each answer was audited by the volunteer who gave it.
    answers = AuditEntry.objects.filter(
        object_type="volunteers.callout", object_id=str(live.pk), action="update"
    )
    assert answers.count() == progress.accepted + progress.declined
    # The `volunteer` account was asked, has not answered, and has the notification unread.
    mine = Answer.objects.get(callout=live, volunteer=me)
    assert mine.reply == "" and mine.answered_at is None
    assert Notification.objects.filter(
        recipient=me.user, kind="volunteers.callout", read_at=None
    ).exists()


def _rosters(community, me):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    staff = actor("staff")
    gates = Post.objects.filter(community=community, kind=Post.Kind.GATE)
    assert gates.count() == community.enterprises.aggregate(n=Count("gates"))["n"]
    assert Post.objects.filter(community=community, kind=Post.Kind.CALL_CENTRE).count() == 1
    roster = duty_queries.roster(staff, monday, duty_queries.posts(staff))
    assert roster.days[0] == monday and len(roster.days) == 7
    full = [c for r in roster.rows for day in r.days for c in day if not c.short]
    assert roster.shifts and len(full) / roster.shifts > 0.9  # mostly full
    # The gaps a week ahead: some short shifts and some days not planned yet.
    gaps = duty_queries.gaps(staff)
    assert any(g.starts_at is None for g in gaps)
    assert Shift.objects.filter(community=community, day__gte=monday + dt.timedelta(days=7))
    # Nobody on two overlapping shifts, no shift over its need.
    last_end: dict[int, dt.datetime] = {}
    for volunteer, starts, ends in (
        Assignment.objects.filter(shift__community=community)
        .order_by("volunteer_id", "shift__starts_at")
        .values_list("volunteer_id", "shift__starts_at", "shift__ends_at")
    ):
        assert volunteer not in last_end or last_end[volunteer] <= starts
        last_end[volunteer] = ends
    assert not (
        Shift.objects.filter(community=community)
        .annotate(n=Count("assignments"))
        .filter(n__gt=F("needed"))
        .exists()
    )
    assert AuditEntry.objects.filter(object_type="duty.assignment").count() == (
        Assignment.objects.filter(shift__community=community).count()
    )
    # The `volunteer` account's shifts this week and to come, and a swap asked of it.
    assert Assignment.objects.filter(
        volunteer=me, shift__day__gte=monday, shift__day__lt=monday + dt.timedelta(days=7)
    ).exists()
    assert duty_queries.my_shifts(me).exists()
    swaps = Swap.objects.filter(community=community)
    assert swaps.filter(state=Swap.State.ASKED, to_volunteer=me).exists()
    assert swaps.filter(state=Swap.State.AGREED).exists()
    # The gate station knows who keeps the `gate` account's gate.
    keeper = Assignment.objects.filter(volunteer__user__username="gate").first()
    assert keeper is not None
    on_duty = duty_queries.on_duty(
        community.pk,
        gate_id=keeper.shift.post.gate_id,
        at=keeper.shift.starts_at + dt.timedelta(minutes=1),
    )
    assert keeper.volunteer.name in [d.name for d in on_duty]


def _grids(community):
    back = Enterprise.objects.filter(community=community, status=Enterprise.Status.RESUMED)
    workshops = Grid.objects.filter(community=community, kind=Grid.Kind.WORKSHOP)
    assert workshops.count() == sum(e.workshops.count() for e in back)
    assert not workshops.filter(responsible=None).exists()
    assert Grid.objects.filter(community=community, kind=Grid.Kind.CHAT).get().members.exists()
    mine = grid_queries.my_grid(actor("volunteer"))
    assert mine.grids and mine.people
    # Nobody beyond the grids: every person is in one of them.
    assert all(p.grids for p in mine.people)
    allowed = set(
        Employee.objects.filter(
            grid_queries.people_q(mine.grids[0].responsible, community.pk, mine.grids)
        ).values_list("pk", flat=True)
    )
    assert {p.employee.pk for p in mine.people} <= allowed
    assert mine.count(grid_queries.Status.CHECKED) > 0
