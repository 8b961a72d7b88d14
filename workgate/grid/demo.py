"""Demo data of grids (网格): every workshop of every enterprise back at work is a grid with its
officer responsible; a few enterprises also grid their dormitory buildings; the largest
enterprise keeps a chat group of its party members' contacts, managed by one of them.

The demo `volunteer` account is responsible for a workshop of a middle-sized enterprise (one
where today's list shows people checked, not yet checked, a fever or someone in quarantine, when
there is one) and for a dormitory building of the same enterprise, so signing in as `volunteer`
shows *My grid*. Those showcase grids go through `save_grid` / `set_members`; the rest are
bulk-written with the audit entries `save_grid` writes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.db.models import Count, Q

from workgate.core.models import AuditEntry, User
from workgate.grid import services
from workgate.grid.models import Grid
from workgate.registry.models import Employee, Workshop

if TYPE_CHECKING:
    from workgate.volunteers.demo import DemoContext

DORM_SHARE = 0.1  # of the enterprises back at work with dormitories, that grid them
DORMS_PER_ENTERPRISE = 3
SICK = (Employee.Health.FEVER, Employee.Health.SUSPECTED, Employee.Health.CONFIRMED)


def _dorm_prefix(room: str) -> str:
    """ "3号楼-201" → "3号楼-" (so building 1 does not hold building 10's rooms)."""
    head, sep, _rest = room.partition("-")
    return f"{head}{sep}" if sep else head


def build_grids(ctx: DemoContext) -> int:
    from workgate.volunteers.demo import audit_bulk

    community = ctx.community
    back = [e.pk for e in ctx.resumed]
    showcase = _showcase_workshop(ctx, back)
    workshops = list(
        Workshop.objects.filter(enterprise_id__in=back).order_by("enterprise_id", "pk")
    )
    dorms: dict[int, set[str]] = defaultdict(set)
    for ent, room in (
        Employee.objects.filter(community=community, enterprise_id__in=back)
        .exclude(dorm_room="")
        .values_list("enterprise_id", "dorm_room")
        .distinct()
    ):
        dorms[ent].add(_dorm_prefix(room))
    with_dorms = sorted(dorms)
    gridded = (
        set(
            ctx.rng.sample(
                with_dorms, min(len(with_dorms), max(1, round(len(with_dorms) * DORM_SHARE)))
            )
        )
        if with_dorms
        else set()
    )
    rows: list[tuple[Grid, object]] = []
    for w in workshops:
        if showcase is not None and w.pk == showcase.pk:
            continue
        officer = ctx.officers.get(w.enterprise_id)
        rows.append(
            (
                Grid(
                    community=community,
                    enterprise_id=w.enterprise_id,
                    kind=Grid.Kind.WORKSHOP,
                    name=w.name,
                    workshop=w,
                    responsible=officer.user if officer else None,
                ),
                officer,
            )
        )
    for ent in sorted(gridded):
        if showcase is not None and ent == showcase.enterprise_id:
            continue
        officer = ctx.officers.get(ent)
        for prefix in sorted(dorms[ent])[:DORMS_PER_ENTERPRISE]:
            rows.append(
                (
                    Grid(
                        community=community,
                        enterprise_id=ent,
                        kind=Grid.Kind.DORM,
                        name=f"{prefix.rstrip('-')}宿舍",
                        dorm_prefix=prefix,
                        responsible=officer.user if officer else None,
                    ),
                    officer,
                )
            )
    Grid.objects.bulk_create([g for g, _o in rows], batch_size=2000)
    audit_bulk(
        {
            "actor": officer or ctx.staff,
            "action": AuditEntry.Action.CREATE,
            "obj": g,
            "detail": {"responsible": g.responsible_id},
        }
        for g, officer in rows
    )
    made = len(rows)
    if showcase is not None:
        made += _volunteer_grids(ctx, showcase, sorted(dorms.get(showcase.enterprise_id, ())))
    made += _chat_group(ctx)
    return made


def _showcase_workshop(ctx: DemoContext, back: list[int]) -> Workshop | None:
    """A workshop of 30 to 150 people at work where the list shows every status it can."""
    if ctx.volunteer_account is None or not back:
        return None
    first = ctx.enterprises[0].pk if ctx.enterprises else None
    stats = (
        Employee.objects.filter(community=ctx.community, enterprise_id__in=back)
        .exclude(enterprise_id=first)
        .exclude(workshop=None)
        .values("workshop_id")
        .annotate(
            n=Count("pk", filter=Q(job_status=Employee.JobStatus.ACTIVE)),
            q=Count("pk", filter=~Q(quarantine_status=Employee.Quarantine.NONE)),
            f=Count("pk", filter=Q(health_status__in=SICK)),
            d=Count("pk", filter=~Q(dorm_room="")),
        )
        .order_by("workshop_id")
    )
    best, best_key = None, None
    for s in stats:
        if not 30 <= s["n"] <= 150:
            continue
        key = (s["q"] > 0, s["f"] > 0, s["d"] > 0, -abs(s["n"] - 60), -s["workshop_id"])
        if best_key is None or key > best_key:
            best, best_key = s["workshop_id"], key
    if best is None:
        stats = sorted(stats, key=lambda s: (-s["n"], s["workshop_id"]))
        best = stats[0]["workshop_id"] if stats else None
    return Workshop.objects.filter(pk=best).select_related("enterprise").first()


def _volunteer_grids(ctx: DemoContext, workshop: Workshop, prefixes: list[str]) -> int:
    """The `volunteer` account's grids: a workshop and, if it has any, a dormitory building of
    the same enterprise, named by staff through the service."""
    account: User = ctx.volunteer_account
    services.save_grid(
        ctx.staff,
        None,
        {
            "enterprise": workshop.enterprise,
            "kind": Grid.Kind.WORKSHOP,
            "workshop": workshop,
            "responsible": account,
        },
    )
    made = 1
    if prefixes:
        # The building where most of the workshop's people sleep.
        counts: dict[str, int] = defaultdict(int)
        for room in (
            Employee.objects.filter(workshop=workshop)
            .exclude(dorm_room="")
            .values_list("dorm_room", flat=True)
        ):
            counts[room.partition("-")[0] + "-"] += 1
        prefix = max(prefixes, key=lambda p: (counts.get(p, 0), p))
        services.save_grid(
            ctx.staff,
            None,
            {
                "enterprise": workshop.enterprise,
                "kind": Grid.Kind.DORM,
                "name": f"{prefix.rstrip('-')}宿舍",
                "dorm_prefix": prefix,
                "responsible": account,
            },
        )
        made += 1
    return made


def _chat_group(ctx: DemoContext) -> int:
    """The largest enterprise's party contacts group: its first workshop's people at work,
    managed by the leader of its party team (the demo `employee` when at work)."""
    if not ctx.laosan or not ctx.enterprises:
        return 0
    ent = ctx.enterprises[0]
    leader = next((v for v in ctx.laosan if v.user_id), None)
    if leader is None:
        return 0
    officer = ctx.officers.get(ent.pk, ctx.staff)
    people = list(
        Employee.objects.filter(enterprise=ent, job_status=Employee.JobStatus.ACTIVE).order_by(
            "pk"
        )[:40]
    )
    grid = services.save_grid(
        officer,
        None,
        {
            "enterprise": ent,
            "kind": Grid.Kind.CHAT,
            "name": "党员联系群（一车间）",
            "responsible": leader.user,
        },
    )
    services.set_members(officer, grid, people)
    return 1
