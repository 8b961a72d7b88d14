"""Reads of duty rosters: the week's roster (posts × days, in a fixed number of queries however
many posts), gaps in coverage, who is on duty at a gate or on a round now, a volunteer's shifts.
Every read is scoped to the actor's tenant."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from workgate.core.access import Actor, scope
from workgate.duty.models import Assignment, Post, Shift, Swap
from workgate.volunteers.models import Volunteer


@dataclass
class ShiftCell:
    pk: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    needed: int
    people: list[tuple[int, str]] = field(default_factory=list)  # (assignment pk, name)

    @property
    def short(self) -> int:
        return max(0, self.needed - len(self.people))


@dataclass
class RosterRow:
    post: Post
    days: list[list[ShiftCell]]  # one list of shifts per day of the week

    @property
    def short(self) -> int:
        return sum(c.short for day in self.days for c in day)

    @property
    def unplanned_days(self) -> int:
        return sum(1 for day in self.days if not day)


@dataclass
class Roster:
    start: dt.date
    days: list[dt.date]
    rows: list[RosterRow]

    @property
    def shifts(self) -> int:
        return sum(len(day) for r in self.rows for day in r.days)

    @property
    def short(self) -> int:
        return sum(r.short for r in self.rows)


def posts(
    actor: Actor,
    *,
    kind: str = "",
    enterprise_id: int | None = None,
    search: str = "",
    include_inactive: bool = False,
) -> QuerySet[Post]:
    qs = scope(actor, Post.objects.all())
    if not include_inactive:
        qs = qs.filter(active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if search.strip():
        qs = qs.filter(name__icontains=search.strip())
    return qs.select_related("enterprise", "gate").order_by("kind", "name", "pk")


def roster(actor: Actor, start: dt.date, post_qs: QuerySet[Post], days: int = 7) -> Roster:
    """The roster of `post_qs` for `days` days from `start`: three queries (posts, shifts,
    assignments with names), whatever the number of posts."""
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(dates)}
    post_list = list(post_qs)
    by_post: dict[int, RosterRow] = {
        p.pk: RosterRow(post=p, days=[[] for _ in dates]) for p in post_list
    }
    cells: dict[int, ShiftCell] = {}
    for pk, post_id, day, s, e, needed in (
        Shift.objects.filter(
            community_id=actor.community_id,
            day__gte=start,
            day__lt=start + dt.timedelta(days=days),
            post_id__in=[p.pk for p in post_list],
        )
        .order_by("starts_at", "pk")
        .values_list("pk", "post_id", "day", "starts_at", "ends_at", "needed")
    ):
        cell = ShiftCell(pk=pk, starts_at=s, ends_at=e, needed=needed)
        cells[pk] = cell
        by_post[post_id].days[index[day]].append(cell)
    if cells:
        for a_pk, shift_id, name in (
            Assignment.objects.filter(
                shift__community_id=actor.community_id,
                shift__day__gte=start,
                shift__day__lt=start + dt.timedelta(days=days),
                # By post, not by the hundreds of shift ids (each one a parameter to build).
                shift__post_id__in=[p.pk for p in post_list],
            )
            .order_by("volunteer__name", "pk")
            .values_list("pk", "shift_id", "volunteer__name")
        ):
            cells[shift_id].people.append((a_pk, name))
    return Roster(start=start, days=dates, rows=[by_post[p.pk] for p in post_list])


@dataclass
class Gap:
    post: Post
    day: dt.date
    starts_at: dt.datetime | None  # None: the day has no shift planned at all
    ends_at: dt.datetime | None
    needed: int
    have: int
    shift_id: int | None = None

    @property
    def short(self) -> int:
        return self.needed - self.have


def gaps(actor: Actor, start: dt.date | None = None, days: int = 7) -> list[Gap]:
    """Coverage a week ahead: every shift with fewer people than it needs, and every day an
    active post has no shift planned, soonest first."""
    start = start or timezone.localdate()
    end = start + dt.timedelta(days=days)
    post_qs = posts(actor)
    post_map = {p.pk: p for p in post_qs}
    out: list[Gap] = []
    planned: set[tuple[int, dt.date]] = set()
    shifts = (
        Shift.objects.filter(
            community_id=actor.community_id,
            day__gte=start,
            day__lt=end,
            # The posts as a subquery: hundreds of ids as parameters are slow to build.
            post__in=post_qs.order_by().values("pk"),
        )
        .annotate(have=Count("assignments"))
        .order_by("starts_at", "pk")
        .values_list("pk", "post_id", "day", "starts_at", "ends_at", "needed", "have")
    )
    for pk, post_id, day, s, e, needed, have in shifts:
        planned.add((post_id, day))
        if have < needed:
            out.append(Gap(post_map[post_id], day, s, e, needed, have, pk))
    for post in post_map.values():
        if not post.shift_times:
            continue
        for i in range(days):
            day = start + dt.timedelta(days=i)
            if (post.pk, day) not in planned:
                out.append(Gap(post, day, None, None, post.needed * len(post.shift_times), 0))
    out.sort(
        key=lambda g: (g.day, g.starts_at or dt.datetime.min.replace(tzinfo=dt.UTC), g.post.name)
    )
    return out


@dataclass
class OnDuty:
    post: str
    name: str
    mobile: str
    starts_at: dt.datetime
    ends_at: dt.datetime


def on_duty(
    community_id: int,
    *,
    gate_id: int | None = None,
    enterprise_id: int | None = None,
    kind: str = "",
    at: dt.datetime | None = None,
) -> list[OnDuty]:
    """Who is on duty now at a gate (`gate_id`), or on the posts of an enterprise of a kind
    (`enterprise_id`, `kind`="round"): for the gate station and the round grid."""
    at = at or timezone.now()
    q = Q(
        shift__community_id=community_id,
        shift__starts_at__lte=at,
        shift__ends_at__gt=at,
        shift__post__active=True,
    )
    if gate_id is not None:
        q &= Q(shift__post__gate_id=gate_id)
    if enterprise_id is not None:
        q &= Q(shift__post__enterprise_id=enterprise_id)
    if kind:
        q &= Q(shift__post__kind=kind)
    return [
        OnDuty(post, name, mobile, s, e)
        for post, name, mobile, s, e in Assignment.objects.filter(q)
        .order_by("shift__post__name", "volunteer__name")
        .values_list(
            "shift__post__name",
            "volunteer__name",
            "volunteer__mobile",
            "shift__starts_at",
            "shift__ends_at",
        )
    ]


def my_shifts(volunteer: Volunteer, *, since: dt.datetime | None = None) -> QuerySet[Assignment]:
    """The volunteer's shifts that have not ended, soonest first."""
    since = since or timezone.now()
    return (
        Assignment.objects.filter(volunteer=volunteer, shift__ends_at__gt=since)
        .select_related("shift__post")
        .order_by("shift__starts_at")
    )


def swaps(actor: Actor, *, open_only: bool = True) -> QuerySet[Swap]:
    qs = scope(actor, Swap.objects.all())
    if open_only:
        qs = qs.filter(state__in=[Swap.State.ASKED, Swap.State.AGREED])
    return qs.select_related(
        "shift__post", "from_volunteer", "to_volunteer", "in_return__post"
    ).order_by(F("shift__starts_at").asc(), "pk")


def swaps_of(volunteer: Volunteer) -> QuerySet[Swap]:
    """Swaps the volunteer asked for or was asked to take, still open or decided lately."""
    since = timezone.now() - dt.timedelta(days=14)
    return (
        Swap.objects.filter(Q(from_volunteer=volunteer) | Q(to_volunteer=volunteer))
        .filter(requested_at__gte=since)
        .select_related("shift__post", "from_volunteer", "to_volunteer", "in_return__post")
        .order_by("-requested_at")
    )


def people_by_day(actor: Actor, start: dt.date, days: int = 7) -> dict[dt.date, int]:
    """How many volunteers are assigned each day (for the coverage chart)."""
    counts: dict[dt.date, int] = defaultdict(int)
    for day, n in (
        Assignment.objects.filter(
            shift__community_id=actor.community_id,
            shift__day__gte=start,
            shift__day__lt=start + dt.timedelta(days=days),
            shift__post__in=posts(actor),
        )
        .values_list("shift__day")
        .annotate(n=Count("pk"))
    ):
        counts[day] = n
    return counts


@dataclass
class DayCover:
    day: dt.date
    needed: int
    assigned: int


def coverage(actor: Actor, start: dt.date, days: int, gap_list: list[Gap]) -> list[DayCover]:
    """People needed and assigned each day (for the gaps chart): the planned shifts' needs,
    plus what the unplanned days of `gap_list` would need."""
    needed: dict[dt.date, int] = defaultdict(int)
    for day, n in (
        Shift.objects.filter(
            community_id=actor.community_id,
            day__gte=start,
            day__lt=start + dt.timedelta(days=days),
            post__in=posts(actor),
        )
        .values_list("day")
        .annotate(n=Sum("needed"))
    ):
        needed[day] = n or 0
    for g in gap_list:
        if g.starts_at is None:
            needed[g.day] += g.needed
    assigned = people_by_day(actor, start, days)
    return [
        DayCover(d, needed[d], assigned.get(d, 0))
        for d in (start + dt.timedelta(days=i) for i in range(days))
    ]


def swaps_to_decide(actor: Actor) -> QuerySet[Swap]:
    """Agreed swaps of the posts the actor sees, waiting for a manager, soonest shift first."""
    return swaps(actor).filter(state=Swap.State.AGREED)


def decided_swaps(actor: Actor, days: int = 14) -> QuerySet[Swap]:
    """Swaps approved or refused in the last `days` days, latest first."""
    since = timezone.now() - dt.timedelta(days=days)
    return (
        swaps(actor, open_only=False)
        .filter(state__in=[Swap.State.APPROVED, Swap.State.REJECTED], decided_at__gte=since)
        .order_by("-decided_at", "-pk")
    )


def colleagues(actor: Actor, me: Volunteer | None, search: str = "", limit: int = 30):
    """Active volunteers of the community to choose from (by name), without `me`."""
    qs = Volunteer.objects.filter(community_id=actor.community_id, active=True)
    if me is not None:
        qs = qs.exclude(pk=me.pk)
    if search.strip():
        qs = qs.filter(name__icontains=search.strip())
    return list(qs.order_by("name", "pk")[:limit])


def upcoming_by_volunteer(volunteer_ids: list[int]) -> dict[int, list[Assignment]]:
    """Each volunteer's shifts that have not started, soonest first (what they may offer in
    return for a swap)."""
    out: dict[int, list[Assignment]] = defaultdict(list)
    for a in (
        Assignment.objects.filter(
            volunteer_id__in=volunteer_ids, shift__starts_at__gt=timezone.now()
        )
        .select_related("shift__post")
        .order_by("shift__starts_at", "pk")
    ):
        out[a.volunteer_id].append(a)
    return out
