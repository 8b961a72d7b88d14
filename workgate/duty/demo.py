"""Demo data of duty rosters: a post at every gate, temperature rounds at the largest
enterprises, the community's call centre; this week (from Monday) worked and next week planned.

Every gate of every enterprise has its post (two eight-hour shifts a day, one person each, two at
a gate of a large enterprise); the posts of enterprises not back at work are kept inactive. The
staff volunteers of each enterprise keep its gates and rounds, one shift a day each, about five
days a week; the liaison group of the party body answers the call centre, the demo `volunteer`
account among them (it has shifts this week and next). Most shifts are full; a few are short
(someone fell ill, nobody found yet), and a few posts have the last days of next week not
planned yet, so the gaps page has something to show.

Shifts are planned through `plan_shifts` (bulk, audited); the thousands of assignments are
bulk-written with the audit entries `assign` would write, by the enterprise's officer (staff for
the call centre), never double-booking anyone and never over a shift's need. Reminders: those
whose time has passed were sent (past shifts are marked reminded, their notifications read);
those due now are sent by `send_reminders`. Two swaps through the services: one agreed and
waiting for a manager, one asked of the `volunteer` account.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from django.utils import timezone

from workgate.core.access import Actor
from workgate.core.models import AuditEntry, Notification
from workgate.core.services import ServiceError
from workgate.duty import services
from workgate.duty.models import Assignment, Post, Shift, Swap
from workgate.health.models import Gate
from workgate.volunteers.models import Volunteer

if TYPE_CHECKING:
    from workgate.volunteers.demo import DemoContext

GATE_TIMES = [["06:30", "14:30"], ["14:30", "22:30"]]
ROUND_TIMES = [["12:30", "13:30"], ["17:30", "18:30"]]
CALL_TIMES = [["08:30", "12:00"], ["13:30", "17:30"]]
CALL_CENTRE = "大港社区防疫热线"
ROUND_SHARE = 0.06  # of the enterprises back at work, the largest, run rounds as a post
SHORT_THIS_WEEK = 0.015  # of slots left empty this week
SHORT_NEXT_WEEK = 0.035
UNPLANNED_POSTS = 0.03  # of posts planned only a few days ahead
UNPLANNED_AFTER = 3  # days after today
MAX_DAY_HOURS = 9


def round_enterprises(ctx: DemoContext) -> set[int]:
    """The enterprises whose temperature rounds are a duty post: the largest back at work."""
    n = max(1, round(len(ctx.resumed) * ROUND_SHARE)) if ctx.resumed else 0
    return {e.pk for e in ctx.resumed[:n]}


def build_rosters(ctx: DemoContext) -> tuple[int, int, int, int]:
    monday = ctx.today - dt.timedelta(days=ctx.today.weekday())
    next_monday = monday + dt.timedelta(days=7)
    posts = _posts(ctx)
    active = [p for p in posts if p.active]
    rng = ctx.rng
    # A few posts are planned only up to three days ahead (the officer has not got to the rest):
    # the gaps page shows their unplanned days.
    n_unplanned = max(1, round(len(active) * UNPLANNED_POSTS)) if len(active) > 3 else 0
    unplanned = {
        p.pk
        for p in rng.sample([p for p in active if p.kind != Post.Kind.CALL_CENTRE], n_unplanned)
    }
    planned = [p for p in active if p.pk not in unplanned]
    services.plan_shifts(ctx.staff, monday, 7, posts=planned)
    services.plan_shifts(ctx.staff, next_monday, 7, posts=planned)
    until = ctx.today + dt.timedelta(days=UNPLANNED_AFTER)
    if unplanned and until >= monday:
        services.plan_shifts(
            ctx.staff,
            monday,
            (until - monday).days + 1,
            posts=[p for p in active if p.pk in unplanned],
        )
    assigned = _assign(ctx, monday)
    _reminders(ctx)
    swaps = _swaps(ctx)
    shifts = Shift.objects.filter(community=ctx.community).count()
    return len(posts), shifts, assigned, swaps


def _posts(ctx: DemoContext) -> list[Post]:
    back = {e.pk for e in ctx.resumed}
    names = {e.pk: e.name for e in ctx.enterprises}
    rows = []
    for gate in Gate.objects.filter(enterprise__community=ctx.community).order_by(
        "enterprise_id", "pk"
    ):
        rows.append(
            Post(
                community=ctx.community,
                kind=Post.Kind.GATE,
                name=f"{names[gate.enterprise_id]} {gate.name}",
                enterprise_id=gate.enterprise_id,
                gate=gate,
                needed=1,
                shift_times=GATE_TIMES,
                remind_minutes=60,
                active=gate.enterprise_id in back and gate.is_active,
            )
        )
    for ent_id in sorted(round_enterprises(ctx)):
        rows.append(
            Post(
                community=ctx.community,
                kind=Post.Kind.ROUND,
                name=f"{names[ent_id]} 巡查测温",
                enterprise_id=ent_id,
                needed=1,
                shift_times=ROUND_TIMES,
                remind_minutes=30,
            )
        )
    Post.objects.bulk_create(rows, batch_size=2000)
    made = list(Post.objects.filter(community=ctx.community).order_by("pk"))
    from workgate.volunteers.demo import audit_bulk

    audit_bulk({"actor": ctx.staff, "action": AuditEntry.Action.CREATE, "obj": p} for p in made)
    # The call centre, as a clerk types it.
    services.save_post(
        ctx.staff,
        None,
        {
            "kind": Post.Kind.CALL_CENTRE,
            "name": CALL_CENTRE,
            "needed": 2,
            "shift_times": "08:30-12:00，13:30-17:30",
            "remind_minutes": 60,
        },
    )
    return list(Post.objects.filter(community=ctx.community).order_by("pk"))


class _Planner:
    """Greedy rota: each shift to the least-loaded free person; nobody on overlapping shifts or
    more than nine hours a day."""

    def __init__(self) -> None:
        self.busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        self.day_hours: dict[tuple[int, dt.date], float] = defaultdict(float)
        self.hours: dict[int, float] = defaultdict(float)

    def free(self, v: int, shift: Shift) -> bool:
        length = (shift.ends_at - shift.starts_at).total_seconds() / 3600
        if self.day_hours[(v, shift.day)] + length > MAX_DAY_HOURS:
            return False
        return all(not (s < shift.ends_at and e > shift.starts_at) for s, e in self.busy[v])

    def take(self, v: int, shift: Shift) -> None:
        length = (shift.ends_at - shift.starts_at).total_seconds() / 3600
        self.busy[v].append((shift.starts_at, shift.ends_at))
        self.day_hours[(v, shift.day)] += length
        self.hours[v] += length

    def pick(self, pool: list[Volunteer], shift: Shift, n: int) -> list[Volunteer]:
        out = []
        for v in sorted(pool, key=lambda v: (self.hours[v.pk], v.pk)):
            if len(out) == n:
                break
            if self.free(v.pk, shift):
                self.take(v.pk, shift)
                out.append(v)
        return out


def _assign(ctx: DemoContext, monday: dt.date) -> int:
    from workgate.volunteers.demo import audit_bulk, insert_tuples, liaison

    rng = ctx.rng
    planner = _Planner()
    shifts = list(
        Shift.objects.filter(community=ctx.community)
        .select_related("post")
        .order_by("starts_at", "pk")
    )
    me = ctx.me
    callers = liaison(ctx)
    # The `volunteer` account answers the phones Monday, Wednesday, Friday and Saturday mornings,
    # and the shift of today or tomorrow, so it always has one to come.
    my_days = {monday + dt.timedelta(days=d) for d in (0, 2, 4, 5, 7, 9, 11)}
    morning = timezone.localtime(ctx.now, ctx.tz).hour < 11
    my_days |= {ctx.today if morning else ctx.today + dt.timedelta(days=1)}
    next_monday = monday + dt.timedelta(days=7)
    rows: list[tuple[Shift, Volunteer, Actor]] = []
    for shift in shifts:
        post = shift.post
        next_week = shift.day >= next_monday
        if post.kind == Post.Kind.CALL_CENTRE:
            pool, actor = callers, ctx.staff
        else:
            pool = ctx.staff_volunteers.get(post.enterprise_id, [])
            actor = ctx.officers.get(post.enterprise_id, ctx.staff)
        want = shift.needed
        chosen: list[Volunteer] = []
        if (
            me is not None
            and post.kind == Post.Kind.CALL_CENTRE
            and shift.day in my_days
            and shift.starts_at.astimezone(ctx.tz).hour < 12
            and planner.free(me.pk, shift)
        ):
            planner.take(me.pk, shift)
            chosen.append(me)
        short = rng.random() < (SHORT_NEXT_WEEK if next_week else SHORT_THIS_WEEK)
        if short:
            want -= 1 if want > 1 and rng.random() < 0.6 else want
        others = [v for v in pool if v is not me]
        chosen += planner.pick(others, shift, max(0, want - len(chosen)))
        rows += [(shift, v, actor) for v in chosen]
    planned_at = {
        # Planned on the Friday before each week, in the afternoon.
        w: dt.datetime.combine(w - dt.timedelta(days=3), dt.time(16, 0), tzinfo=ctx.tz)
        for w in (monday, next_monday)
    }
    planned_at = {w: min(at, ctx.now) for w, at in planned_at.items()}
    insert_tuples(
        Assignment,
        ["shift_id", "volunteer_id", "assigned_by_label", "assigned_at", "reminded_at"],
        [
            (
                s.pk,
                v.pk,
                a.label,
                planned_at[next_monday if s.day >= next_monday else monday],
                s.starts_at - dt.timedelta(minutes=s.post.remind_minutes)
                if s.starts_at <= ctx.now
                else None,
            )
            for s, v, a in rows
        ],
    )
    made = {
        (a.shift_id, a.volunteer_id): a.pk
        for a in Assignment.objects.filter(shift__community=ctx.community).only(
            "pk", "shift_id", "volunteer_id"
        )
    }
    tz = ctx.tz
    audit_bulk(
        {
            "actor": a,
            "action": AuditEntry.Action.CREATE,
            "object_type": "duty.assignment",
            "object_id": str(made[(s.pk, v.pk)]),
            "object_repr": f"{v.name} @ {s.post.name} "
            f"{s.starts_at.astimezone(tz):%m-%d %H:%M}–{s.ends_at.astimezone(tz):%H:%M}",
            "enterprise_id": s.post.enterprise_id,
            "at": planned_at[next_monday if s.day >= next_monday else monday],
        }
        for s, v, a in rows
    )
    return len(rows)


def _reminders(ctx: DemoContext) -> None:
    """Shifts begun before the clock were reminded at their time (the notifications of those
    with accounts read since); those due now go through the service."""
    from workgate.duty.services import _params

    now = ctx.now
    notes = [
        Notification(
            recipient_id=a.volunteer.user_id,
            community_id=ctx.community.pk,
            enterprise_id=a.shift.post.enterprise_id,
            kind="duty.reminder",
            params=_params(a.shift),
            url="/duty/mine/",
            created_at=a.reminded_at,
            read_at=a.reminded_at + dt.timedelta(minutes=5),
        )
        for a in Assignment.objects.filter(
            shift__community=ctx.community,
            shift__starts_at__lte=now,
            volunteer__user__isnull=False,
        )
        .select_related("shift__post", "volunteer")
        .order_by("pk")
    ]
    Notification.objects.bulk_create(notes, batch_size=2000)
    services.send_reminders(now)


def _swaps(ctx: DemoContext) -> int:
    """Through the services, for shifts still to come: a liaison colleague's swap agreed and
    waiting for approval, and one asked of the `volunteer` account."""
    from workgate.volunteers.demo import liaison

    real_now = max(timezone.now(), ctx.now)
    me = ctx.me
    callers = [v for v in liaison(ctx) if v is not me and v.pk in ctx.actors]
    mine = (
        {a.shift_id for a in Assignment.objects.filter(volunteer=me).only("shift_id")}
        if me
        else set()
    )
    upcoming = list(
        Assignment.objects.filter(
            volunteer__in=callers,
            shift__starts_at__gt=real_now + dt.timedelta(hours=2),
            shift__post__kind=Post.Kind.CALL_CENTRE,
        )
        .select_related("shift__post", "volunteer")
        .order_by("shift__starts_at", "pk")
    )
    made = 0
    used: set[int] = set()

    def ask(giver: Volunteer, shift: Shift, taker: Volunteer, reason: str) -> Swap | None:
        try:
            return services.request_swap(ctx.actors[giver.pk], shift, taker, reason=reason)
        except ServiceError:
            return None

    # One asked of the `volunteer` account: a shift it is free for.
    if me is not None and me.pk in ctx.actors:
        for a in upcoming:
            if a.shift_id in mine or a.volunteer_id in used:
                continue
            if ask(a.volunteer, a.shift, me, "家里老人住院，需要陪护") is not None:
                used.add(a.volunteer_id)
                made += 1
                break
    # One agreed by the colleague, waiting for a manager.
    for a in upcoming[::-1]:
        if a.volunteer_id in used:
            continue
        others = [v for v in callers if v.pk not in used and v.pk != a.volunteer_id]
        swap = None
        for taker in others:
            if Assignment.objects.filter(shift=a.shift, volunteer=taker).exists():
                continue
            swap = ask(a.volunteer, a.shift, taker, "当天要去区里参加培训")
            if swap is not None:
                services.answer_swap(ctx.actors[taker.pk], swap, agree=True)
                made += 1
                break
        if swap is not None:
            break
    return made
