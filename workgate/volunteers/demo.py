"""Demo data of volunteers, duty rosters and grids: the party members who answered Dagang's call,
the gates they and the enterprises' staff keep, and who looks after each group of employees.

The story (issue #8): Dagang's party secretary asked for help in the party members' WeChat group
and 84 answered within half an hour. They are the volunteer body, the team 大港党员志愿服务队
with its three groups (联络组, 后勤组, 物资保障组) and their leaders; every one of them has an
account (they answer call-outs from their phones); the demo `volunteer` account (孙党员) is one
of them. The largest enterprise (the demo's Laosan Group) has its own 8-person party volunteer
team split into the same three groups; the demo `employee` is one of them when at work. Every
enterprise back at work has a few of its staff as volunteers who keep its gates (the demo `gate`
account keeps the largest enterprise's). The 84 do not change with the scale.

Two call-outs: the seed, 13 days ago (84 accepted within 30 minutes, filled), and one posted 20
minutes before the demo's clock to the party body, needing 100, about 60 accepted so far on a
curve that is fast at first, a few declined, and the `volunteer` account still to answer.

A WeCom group robot for the team is configured but turned off, so the demo never calls out.

Showcase rows go through the services (teams and groups, the 92 party volunteers, both call-outs,
the robot, the call centre, planning, swaps, reminders, the `volunteer` account's grids), so
their audit entries and notifications are real; the bulk (staff volunteers, thousands of shift
assignments, grids of every enterprise, the answers to the call-outs) is written in bulk with
the rows and audit entries the services would write. About a second at full scale.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ZhNames

from workgate.core.access import Actor
from workgate.core.channels import robot_save
from workgate.core.models import (
    AuditEntry,
    Community,
    Enterprise,
    GroupRobot,
    Membership,
    Notification,
    Role,
    User,
)
from workgate.health.demo import DEMO_CLOCK
from workgate.health.rules import settings_for
from workgate.registry.demo import MOBILE_PREFIXES
from workgate.registry.models import Employee
from workgate.volunteers import services
from workgate.volunteers.models import Answer, CallOut, Group, Team, Volunteer

PARTY_BODY = 84  # at every scale: the seed's 84 who answered within half an hour
TEAM_NAME = "大港党员志愿服务队"
# Group → (how many of the 84, skills with the share who have each).
GROUPS = (
    ("联络组", 28, (("电话随访", 0.85), ("外语", 0.2), ("心理疏导", 0.25))),
    ("后勤组", 30, (("测温", 0.8), ("驾驶", 0.35), ("消杀", 0.3))),
    ("物资保障组", 26, (("物资搬运", 0.9), ("驾驶", 0.5), ("测温", 0.2))),
)
LAOSAN_SPLIT = (3, 3, 2)  # Laosan's 8: liaison, logistics, material support
AVAILABILITY = (
    "工作日晚上 18:00 以后",
    "周末全天",
    "每天上午",
    "每天 8:00–12:00",
    "工作日白天",
    "随叫随到",
    "周一至周五 13:00–17:00",
    "夜班可以",
)
ROBOT_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo-not-a-real-key"
SEED_TITLE = "招募党员志愿者：企业复工防疫值守"
OPEN_TITLE = "社区核酸采样点秩序维护和信息登记"
OPEN_NEEDED = 100
OPEN_ACCEPTED = 60
OPEN_DECLINED = 4
OPEN_MINUTES_AGO = 20


@dataclass
class DemoContext:
    """What the three parts share: the clock, the actors, the volunteers made here."""

    community: Community
    rng: random.Random
    today: dt.date
    now: dt.datetime
    tz: dt.tzinfo
    staff: Actor
    password: str
    enterprises: list[Enterprise]
    resumed: list[Enterprise]
    officers: dict[int, Actor]
    volunteer_account: User | None
    party: dict[str, list[Volunteer]] = field(default_factory=dict)  # group name → members
    laosan: list[Volunteer] = field(default_factory=list)
    me: Volunteer | None = None  # the `volunteer` account's profile
    staff_volunteers: dict[int, list[Volunteer]] = field(default_factory=dict)  # by enterprise
    actors: dict[int, Actor] = field(default_factory=dict)  # volunteer pk → its account's actor


def demo_now(community: Community, today: dt.date) -> dt.datetime:
    """The demo's clock, as daily health's demo sets it: now, or 14:30 of another day."""
    _hs, tz = settings_for(community.pk)
    if today == timezone.localdate(timezone=tz):
        return timezone.now()
    return dt.datetime.combine(today, DEMO_CLOCK, tzinfo=tz)


def insert_tuples(model: type[models.Model], names: list[str], rows: list[tuple]) -> int:
    """Insert rows given as tuples of field values (by attribute name, e.g. "shift_id"), each
    value prepared by its field as the ORM would, in one prepared statement run over the rows:
    tens of thousands of rows without making a model instance each."""
    if not rows:
        return 0
    fields = [model._meta.get_field(n) for n in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    simple = [
        f.get_internal_type() in ("ForeignKey", "IntegerField", "CharField", "BooleanField")
        for f in fields
    ]
    prepared = [
        tuple(
            v if plain or v is None else f.get_db_prep_save(v, connection)
            for f, plain, v in zip(fields, simple, row, strict=True)
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
    return len(rows)


AUDIT_FIELDS = [
    "at",
    "user_id",
    "actor_label",
    "role",
    "community_id",
    "enterprise_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "detail",
]


def audit_bulk(rows: Iterable[dict[str, Any]]) -> int:
    """Audit entries for rows written in bulk, each as `audit_record` would write it: keys
    actor, action, obj (or object_type/object_id/object_repr), detail, enterprise_id, at."""
    now = timezone.now()
    entries = []
    for r in rows:
        actor: Actor = r["actor"]
        obj = r.get("obj")
        entries.append(
            (
                r.get("at") or now,
                actor.user.pk if actor.user is not None and actor.user.pk else None,
                actor.label[:150],
                actor.role,
                actor.community_id,
                r.get("enterprise_id")
                or (getattr(obj, "enterprise_id", None) if obj is not None else None)
                or actor.enterprise_id,
                r["action"],
                r.get("object_type") or obj._meta.label_lower,
                r.get("object_id") or str(obj.pk),
                (r.get("object_repr") or str(obj))[:200],
                r.get("detail") or {},
            )
        )
    return insert_tuples(AuditEntry, AUDIT_FIELDS, entries)


SINGLE = [n for n in ZhNames.first_names if len(n) == 1]
DOUBLE = [n for n in ZhNames.first_names if len(n) == 2]
SURNAMES = list(ZhNames.last_names)[:80]  # the commonest, in order


def person_name(rng: random.Random) -> str:
    """A realistic name: surname and a given name of one or two characters (张伟, 王秀英)."""
    r = rng.random()
    given = (
        rng.choice(SINGLE)
        if r < 0.3
        else rng.choice(DOUBLE)
        if r < 0.65
        else "".join(rng.sample(SINGLE, 2))
    )
    return rng.choice(SURNAMES) + given


def build(
    *,
    community: Community,
    scale: float,
    rng: random.Random,
    today: dt.date,
    log: Callable[[str], None],
) -> None:
    """Volunteers, then duty rosters, grids and the call-outs (after every other app)."""
    from workgate.duty import demo as duty_demo
    from workgate.grid import demo as grid_demo

    if Volunteer.objects.filter(community=community).exists():
        log("volunteers: already loaded, nothing added")
        return
    ctx = _context(community, rng, today)
    _party(ctx)
    robot = robot_save(
        community_id=community.pk,
        name=f"{TEAM_NAME}企业微信群",
        kind=GroupRobot.Kind.WECOM,
        webhook_url=ROBOT_URL,
        kinds=["volunteers.callout"],
        format=GroupRobot.Format.MARKDOWN,
        is_active=False,
        actor=ctx.staff,
    )
    Team.objects.filter(community=community, name=TEAM_NAME).update(robot=robot)
    _staff_volunteers(ctx)
    volunteers = Volunteer.objects.filter(community=community).count()
    log(
        f"volunteers: {volunteers} ({PARTY_BODY} in {TEAM_NAME}, {len(ctx.laosan)} in the "
        f"largest enterprise's team, {volunteers - PARTY_BODY - len(ctx.laosan)} enterprise staff)"
    )
    posts, shifts, assigned, swaps = duty_demo.build_rosters(ctx)
    log(
        f"duty: {posts} posts, {shifts} shifts over two weeks, {assigned} assignments, "
        f"{swaps} swaps open"
    )
    grids = grid_demo.build_grids(ctx)
    log(f"grids: {grids} grids")
    seed, open_ = _callouts(ctx)
    log(
        f"call-outs: the seed ({seed.accepted} accepted in 30 min, {seed.state}); one open, "
        f"{open_.accepted} of {open_.needed} accepted after {OPEN_MINUTES_AGO} min"
    )


def _context(community: Community, rng: random.Random, today: dt.date) -> DemoContext:
    rng = random.Random(rng.random())
    staff_m = (
        Membership.objects.filter(community=community, role=Role.STAFF, user__username="staff")
        .select_related("user")
        .first()
    )
    staff = Actor.from_membership(staff_m) if staff_m else Actor.system(community.pk)
    officers: dict[int, Actor] = {}
    for m in (
        Membership.objects.filter(community=community, role=Role.OFFICER, is_active=True)
        .select_related("user")
        .order_by("user__username")
    ):
        officers.setdefault(m.enterprise_id, Actor.from_membership(m))
    account = User.objects.filter(
        username="volunteer", memberships__community=community, memberships__role=Role.VOLUNTEER
    ).first()
    any_user = account or User.objects.filter(memberships__community=community).first()
    enterprises = list(Enterprise.objects.filter(community=community).order_by("pk"))
    return DemoContext(
        community=community,
        rng=rng,
        today=today,
        now=demo_now(community, today),
        tz=settings_for(community.pk)[1],
        staff=staff,
        password=any_user.password if any_user else "!",
        enterprises=enterprises,
        resumed=[e for e in enterprises if e.status == Enterprise.Status.RESUMED],
        officers=officers,
        volunteer_account=account,
    )


def _mobiles(rng: random.Random, n: int, community: Community) -> list[str]:
    taken = set(User.objects.exclude(mobile=None).values_list("mobile", flat=True)) | set(
        Volunteer.objects.filter(community=community).values_list("mobile", flat=True)
    )
    out: list[str] = []
    while len(out) < n:
        mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if mobile not in taken:
            taken.add(mobile)
            out.append(mobile)
    return out


def _skills(rng: random.Random, table: tuple[tuple[str, float], ...]) -> list[str]:
    have = [s for s, share in table if rng.random() < share]
    return have or [table[0][0]]


def _accounts(ctx: DemoContext, people: list[tuple[str, str, str]]) -> dict[str, User]:
    """Volunteer accounts (username, full name, mobile) with the demo password: they answer
    call-outs and see their shifts from their phones."""
    User.objects.bulk_create(
        [User(username=u, full_name=n, mobile=m, password=ctx.password) for u, n, m in people]
    )
    users = {u.username: u for u in User.objects.filter(username__in=[u for u, _n, _m in people])}
    Membership.objects.bulk_create(
        [
            Membership(user=users[u], community=ctx.community, role=Role.VOLUNTEER)
            for u, _n, _m in people
        ]
    )
    return users


def _party(ctx: DemoContext) -> None:
    """The 84 and Laosan's 8, through the services: every one audited."""
    rng, community = ctx.rng, ctx.community
    mobiles = _mobiles(rng, PARTY_BODY, community)
    names: list[str] = []
    used: set[str] = set()
    account = ctx.volunteer_account
    while len(names) < PARTY_BODY:
        name = (account.full_name or "孙党员") if not names and account else person_name(rng)
        if name not in used:
            used.add(name)
            names.append(name)
    # Accounts for everyone but the demo `volunteer` (who has one).
    people = [
        (f"party-{i:02d}", names[i], mobiles[i])
        for i in range(PARTY_BODY)
        if not (i == 0 and account is not None)
    ]
    users = _accounts(ctx, people)
    if account is not None:
        users["volunteer"] = account
    order = [f"party-{i:02d}" if not (i == 0 and account) else "volunteer" for i in range(84)]
    # Everyone's group, in a shuffled order; the `volunteer` account in the liaison group (it
    # works the call centre).
    slots = [g for g, n, _s in GROUPS for _ in range(n)]
    rest = slots[1:] if slots[0] == GROUPS[0][0] else slots
    rng.shuffle(rest)
    slots = [GROUPS[0][0], *rest]
    skill_table = {g: s for g, _n, s in GROUPS}
    by_group: dict[str, list[Volunteer]] = {g: [] for g, _n, _s in GROUPS}
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(community=community, user__in=users.values())
    }
    for i in range(PARTY_BODY):
        user = users[order[i]]
        skills = _skills(rng, skill_table[slots[i]])
        if i == 0:
            skills = sorted({*skills, "电话随访"})
        v = services.save_volunteer(
            ctx.staff,
            None,
            {
                "name": names[i],
                "mobile": mobiles[i],
                "kind": Volunteer.Kind.PARTY,
                "skills": skills,
                "availability": rng.choice(AVAILABILITY),
                "user": user,
            },
        )
        by_group[slots[i]].append(v)
        ctx.actors[v.pk] = Actor.from_membership(memberships[user.pk])
        if i == 0 and account is not None:
            ctx.me = v
    # Group leaders: the first of each group but the demo account; the liaison leader leads.
    leaders = {g: next(v for v in vs if v != ctx.me) for g, vs in by_group.items()}
    team = services.save_team(
        ctx.staff, TEAM_NAME, groups=tuple(by_group), leader=leaders[GROUPS[0][0]]
    )
    for group in team.groups.all():
        services.set_group_members(
            ctx.staff, group, by_group[group.name], leader=leaders[group.name]
        )
    ctx.party = by_group
    _laosan(ctx, users)


def _laosan(ctx: DemoContext, users: dict[str, User]) -> None:
    """The largest enterprise's 8-person party team, from its people at work; the demo
    `employee` is one of them when at work."""
    if not ctx.enterprises:
        return
    ent = ctx.enterprises[0]
    rows = list(
        Employee.objects.filter(
            enterprise=ent,
            job_status=Employee.JobStatus.ACTIVE,
            quarantine_status=Employee.Quarantine.NONE,
        )
        .order_by("pk")
        .values_list("pk", "name", "mobile", "user_id")[:60]
    )
    if not rows:
        return
    employee_user = next((r for r in rows if r[3] is not None), None)
    picked = ctx.rng.sample([r for r in rows if r is not employee_user], min(len(rows) - 1, 7))
    if employee_user is not None:
        picked = [employee_user, *picked]
    picked = picked[:8]
    taken = set(Volunteer.objects.filter(community=ctx.community).values_list("mobile", flat=True))
    taken |= set(User.objects.exclude(mobile=None).values_list("mobile", flat=True))
    fresh = [
        (f"laosan-{i}", name, mobile)
        for i, (_pk, name, mobile, user_id) in enumerate(picked, start=1)
        if user_id is None and mobile not in taken
    ]
    made = _accounts(ctx, fresh)
    by_mobile = {u.mobile: u for u in made.values()}
    linked = User.objects.in_bulk([r[3] for r in picked if r[3] is not None])
    members: list[Volunteer] = []
    skill_sets = (("电话随访",), ("测温", "消杀"), ("物资搬运", "驾驶"))
    split = [i for i, n in enumerate(LAOSAN_SPLIT) for _ in range(n)]
    for (_pk, name, mobile, user_id), g in zip(picked, split, strict=False):
        user = linked.get(user_id) if user_id else by_mobile.get(mobile)
        if user is None and mobile in taken:
            continue
        v = services.save_volunteer(
            ctx.staff,
            None,
            {
                "name": name,
                "mobile": mobile,
                "kind": Volunteer.Kind.PARTY,
                "skills": list(skill_sets[g]),
                "availability": "本企业上班时间",
                "user": user,
            },
        )
        Volunteer.objects.filter(pk=v.pk).update(enterprise=ent)
        v.enterprise = ent
        members.append(v)
        m = Membership.objects.filter(community=ctx.community, user=user).first()
        if m is not None:
            ctx.actors[v.pk] = Actor.from_membership(m)
    team = services.save_team(ctx.staff, f"{ent.name}党员志愿服务队", leader=members[0])
    start = 0
    for group, n in zip(team.groups.all(), LAOSAN_SPLIT, strict=True):
        chunk = members[start : start + n]
        start += n
        if chunk:
            services.set_group_members(ctx.staff, group, chunk, leader=chunk[0])
    ctx.laosan = members


def staff_needed(gates: int, rounds: bool) -> int:
    """Staff volunteers an enterprise needs: each keeps one 8-hour gate shift a day, about five
    days a week, with one to spare; a round takes one more pair."""
    per_day = 2 * gates
    return math.ceil(per_day * 7 / 5) + 1 + (2 if rounds else 0)


def _staff_volunteers(ctx: DemoContext) -> None:
    """A few staff of each enterprise back at work keep its gates: drawn from its people at
    work, in bulk, audited as `save_volunteer` would be. The demo `gate` account keeps the
    largest enterprise's gate."""
    from workgate.duty.demo import round_enterprises
    from workgate.health.models import Gate

    gates: dict[int, int] = {}
    for ent_id in Gate.objects.filter(
        enterprise__community=ctx.community, is_active=True
    ).values_list("enterprise_id", flat=True):
        gates[ent_id] = gates.get(ent_id, 0) + 1
    rounds = round_enterprises(ctx)
    want = {e.pk: staff_needed(gates[e.pk], e.pk in rounds) for e in ctx.resumed if e.pk in gates}
    taken = set(Volunteer.objects.filter(community=ctx.community).values_list("mobile", flat=True))
    rows: dict[int, list[tuple[str, str]]] = {e: [] for e in want}
    for ent_id, name, mobile in (
        Employee.objects.filter(
            community=ctx.community,
            enterprise_id__in=list(want),
            job_status=Employee.JobStatus.ACTIVE,
            quarantine_status=Employee.Quarantine.NONE,
            health_status=Employee.Health.NORMAL,
        )
        .filter(pk__gt=0)
        .order_by("enterprise_id", "-pk")
        .values_list("enterprise_id", "name", "mobile")
    ):
        pool = rows[ent_id]
        if len(pool) < want[ent_id] * 3 and mobile not in taken:
            pool.append((name, mobile))
    gate_user = User.objects.filter(
        username="gate", memberships__community=ctx.community, memberships__role=Role.GATE
    ).first()
    gate_ent = (
        Membership.objects.filter(user=gate_user, community=ctx.community)
        .values_list("enterprise_id", flat=True)
        .first()
        if gate_user
        else None
    )
    new: list[Volunteer] = []
    for ent_id, pool in rows.items():
        chosen = ctx.rng.sample(pool, min(want[ent_id], len(pool)))
        for i, (name, mobile) in enumerate(chosen):
            taken.add(mobile)
            user = None
            if ent_id == gate_ent and i == 0 and gate_user is not None:
                name, user = gate_user.full_name or name, gate_user
            new.append(
                Volunteer(
                    community=ctx.community,
                    name=name,
                    mobile=mobile,
                    kind=Volunteer.Kind.STAFF,
                    skills=["测温"],
                    availability=ctx.rng.choice(("本企业门岗", "门岗，早班", "门岗，晚班")),
                    enterprise_id=ent_id,
                    user=user,
                )
            )
    Volunteer.objects.bulk_create(new, batch_size=2000)
    made = list(
        Volunteer.objects.filter(community=ctx.community, kind=Volunteer.Kind.STAFF).order_by("pk")
    )
    audit_bulk({"actor": ctx.staff, "action": AuditEntry.Action.CREATE, "obj": v} for v in made)
    for v in made:
        ctx.staff_volunteers.setdefault(v.enterprise_id, []).append(v)
        if v.user_id is not None and gate_user is not None:
            m = Membership.objects.filter(user=gate_user, community=ctx.community).first()
            ctx.actors[v.pk] = Actor.from_membership(m)


# --- Call-outs -------------------------------------------------------------------------------


def _party_groups(ctx: DemoContext) -> list[Group]:
    return list(
        Group.objects.filter(team__community=ctx.community)
        .select_related("team__robot")
        .order_by("team_id", "position")
    )


def _post(ctx: DemoContext, posted_at: dt.datetime, groups: list[Group], **kw: Any) -> CallOut:
    """Post through the service, then date what it wrote to when it happened in the story."""
    callout = services.post_callout(ctx.staff, groups=groups, **kw)
    CallOut.objects.filter(pk=callout.pk).update(posted_at=posted_at)
    Answer.objects.filter(callout=callout).update(asked_at=posted_at)
    Notification.objects.filter(
        community=ctx.community, kind="volunteers.callout", url__contains=f"/{callout.pk}/"
    ).update(created_at=posted_at)
    AuditEntry.objects.filter(
        object_type="volunteers.callout", object_id=str(callout.pk), action="create"
    ).update(at=posted_at)
    callout.refresh_from_db()
    return callout


def _answers(
    ctx: DemoContext,
    callout: CallOut,
    replies: list[tuple[Answer, str, dt.datetime]],
) -> CallOut:
    """Record answers as `services.answer` would, one by one in time order: accepted while
    places remain, then waiting; the call-out's counter, state and the audit entries follow."""
    replies.sort(key=lambda r: r[2])
    accepted = 0
    filled_at = None
    changed, audits = [], []
    for row, reply, at in replies:
        if reply == Answer.Reply.ACCEPTED:
            if accepted < callout.needed:
                accepted += 1
                if accepted == callout.needed:
                    filled_at = at
            else:
                reply = Answer.Reply.WAITING
        row.reply, row.answered_at = reply, at
        changed.append(row)
        actor = ctx.actors.get(row.volunteer_id)
        if actor is not None:
            audits.append(
                {
                    "actor": actor,
                    "action": AuditEntry.Action.UPDATE,
                    "obj": callout,
                    "detail": {"volunteer": row.volunteer_id, "reply": reply},
                    "at": at,
                }
            )
    Answer.objects.bulk_update(changed, ["reply", "answered_at"], batch_size=1000)
    audit_bulk(audits)
    state = CallOut.State.FILLED if filled_at else CallOut.State.OPEN
    CallOut.objects.filter(pk=callout.pk).update(
        accepted=accepted, state=state, filled_at=filled_at
    )
    # Who answered had opened the notification.
    answered = [
        ctx.actors[r.volunteer_id].user.pk for r, _x, _t in replies if r.volunteer_id in ctx.actors
    ]
    Notification.objects.filter(
        kind="volunteers.callout", url__contains=f"/{callout.pk}/", recipient_id__in=answered
    ).update(read_at=callout.posted_at + dt.timedelta(minutes=1))
    callout.refresh_from_db()
    return callout


def _minutes_curve(rng: random.Random, n: int, window: float, tau: float) -> list[float]:
    """`n` answer times within `window` minutes, fast at first (a truncated exponential)."""
    cap = 1 - math.exp(-(window - 0.4) / tau)
    return sorted(0.4 + -tau * math.log(1 - rng.random() * cap) for _ in range(n))


def _callouts(ctx: DemoContext) -> tuple[CallOut, CallOut]:
    rng = ctx.rng
    groups = _party_groups(ctx)
    dagang = [g for g in groups if g.team.name == TEAM_NAME]
    # The seed: 13 days ago in the evening, to the 84; every one accepted within 30 minutes.
    seed_at = dt.datetime.combine(ctx.today - dt.timedelta(days=13), dt.time(19, 40), tzinfo=ctx.tz)
    seed = _post(
        ctx,
        seed_at,
        dagang,
        title=SEED_TITLE,
        place="大港工业社区党群服务中心",
        starts_at=seed_at.replace(hour=7, minute=0) + dt.timedelta(days=1),
        ends_at=seed_at.replace(hour=18, minute=0) + dt.timedelta(days=1),
        needed=PARTY_BODY,
    )
    rows = list(Answer.objects.filter(callout=seed).order_by("pk"))
    rng.shuffle(rows)
    times = _minutes_curve(rng, len(rows), 29.5, 8.0)
    seed = _answers(
        ctx,
        seed,
        [
            (r, Answer.Reply.ACCEPTED, seed_at + dt.timedelta(minutes=t))
            for r, t in zip(rows, times, strict=True)
        ],
    )
    # The open one, posted 20 minutes ago to the whole party body.
    posted = ctx.now - dt.timedelta(minutes=OPEN_MINUTES_AGO)
    starts = (ctx.now + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    open_ = _post(
        ctx,
        posted,
        groups,
        title=OPEN_TITLE,
        place="大港社区文化中心广场",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=4),
        needed=OPEN_NEEDED,
    )
    rows = [
        r
        for r in Answer.objects.filter(callout=open_).order_by("pk")
        if ctx.me is None or r.volunteer_id != ctx.me.pk
    ]
    rng.shuffle(rows)
    n_acc = min(OPEN_ACCEPTED, len(rows))
    n_dec = min(OPEN_DECLINED, len(rows) - n_acc)
    acc_times = _minutes_curve(rng, n_acc, OPEN_MINUTES_AGO - 0.5, 4.0)
    dec_times = sorted(rng.uniform(2, OPEN_MINUTES_AGO - 1) for _ in range(n_dec))
    replies = [
        (r, Answer.Reply.ACCEPTED, posted + dt.timedelta(minutes=t))
        for r, t in zip(rows[:n_acc], acc_times, strict=True)
    ] + [
        (r, Answer.Reply.DECLINED, posted + dt.timedelta(minutes=t))
        for r, t in zip(rows[n_acc : n_acc + n_dec], dec_times, strict=True)
    ]
    open_ = _answers(ctx, open_, replies)
    return seed, open_


def party_members(ctx: DemoContext) -> list[Volunteer]:
    return [v for vs in ctx.party.values() for v in vs]


def liaison(ctx: DemoContext) -> list[Volunteer]:
    return list(ctx.party.get(GROUPS[0][0], []))
