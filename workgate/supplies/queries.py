"""Reads of supplies: stock with burn rate and days of supply, shortages, proposals, and the
community's picture for charts. All in a fixed number of queries whatever the community's size."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Sum

from workgate.core.access import Actor, Perm, scope
from workgate.core.models import Enterprise
from workgate.supplies.models import (
    Holder,
    LedgerEntry,
    Material,
    Need,
    Stock,
)

OUT_KINDS = (LedgerEntry.Kind.GATE, LedgerEntry.Kind.CONSUMED)
# Days-of-supply buckets for the community chart.
BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 14), (14, None))


@dataclass
class Supply:
    enterprise_id: int | None
    material: Material
    people: int
    stock: int
    burn: float | None  # units per day
    burn_source: str  # "history", "policy" or "" (durable or nothing known)
    days: float | None  # days of supply; None when not meaningful
    target: int | None  # durable: how many are needed for the people on duty
    shortage: bool


def people_counts(community_id: int) -> dict[int, int]:
    """People on duty per enterprise; an enterprise not yet back counts its active roster
    (what it will need when it opens)."""
    from workgate.health.queries import on_duty_counts
    from workgate.registry.models import Employee

    counts = on_duty_counts(community_id)
    roster = dict(
        Employee.objects.filter(
            enterprise__community_id=community_id, job_status=Employee.JobStatus.ACTIVE
        )
        .values_list("enterprise_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {e: counts.get(e) or roster.get(e, 0) for e in set(counts) | set(roster)}


def supplies(
    community_id: int,
    *,
    enterprise_ids: list[int] | None = None,
    today: dt.date | None = None,
) -> list[Supply]:
    """Every (enterprise, active material) with its stock, burn rate and days of supply."""
    from workgate.supplies.services import local_today, settings_for

    cfg = settings_for(community_id)
    today = today or local_today(community_id)
    materials = list(Material.objects.filter(community_id=community_id, active=True))
    ents = Enterprise.objects.filter(community_id=community_id)
    if enterprise_ids is not None:
        ents = ents.filter(pk__in=enterprise_ids)
    ent_ids = list(ents.values_list("pk", flat=True))
    people = people_counts(community_id)
    holders = dict(
        Holder.objects.filter(community_id=community_id, enterprise_id__in=ent_ids).values_list(
            "pk", "enterprise_id"
        )
    )
    stock: dict[tuple[int, int], int] = {}
    for h, m, q in Stock.objects.filter(holder_id__in=holders).values_list(
        "holder_id", "material_id", "quantity"
    ):
        stock[(holders[h], m)] = q
    first = today - dt.timedelta(days=cfg.history_days)
    out: dict[tuple[int, int], int] = {}
    for h, m, total in (
        LedgerEntry.objects.filter(
            holder_id__in=holders, kind__in=OUT_KINDS, day__gte=first, day__lt=today
        )
        .values_list("holder_id", "material_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    ):
        out[(holders[h], m)] = -int(total)
    since: dict[tuple[int, int], dt.date] = {}
    for h, m, day in (
        LedgerEntry.objects.filter(holder_id__in=holders)
        .values_list("holder_id", "material_id")
        .annotate(first=Min("day"))
        .order_by()
    ):
        since[(holders[h], m)] = day
    rows = []
    for ent in ent_ids:
        p = people.get(ent, 0)
        for mat in materials:
            key = (ent, mat.pk)
            have = stock.get(key, 0)
            burn: float | None = None
            source = ""
            days: float | None = None
            target: int | None = None
            if mat.durable:
                target = math.ceil(p * float(mat.per_hundred) / 100) if mat.per_hundred else None
                shortage = target is not None and have < target
            else:
                used = out.get(key, 0)
                span = min(cfg.history_days, max((today - since.get(key, today)).days, 0))
                if used > 0 and span > 0:
                    burn, source = used / span, "history"
                elif mat.use_per_person_day and p:
                    burn, source = p * float(mat.use_per_person_day), "policy"
                if burn:
                    days = max(have, 0) / burn
                shortage = days is not None and days < cfg.shortage_days
            rows.append(Supply(ent, mat, p, have, burn, source, days, target, shortage))
    return rows


def supply_facts(
    community_id: int, pairs: set[tuple[int, int]] | None = None
) -> dict[tuple[int, int], dict[str, Any]]:
    """(enterprise, material) → people, stock, burn, days: what the allocation weighs."""
    ents = sorted({e for e, _m in pairs}) if pairs is not None else None
    return {
        (s.enterprise_id, s.material.pk): {
            "people": s.people,
            "stock": s.stock,
            "burn": s.burn,
            "days": s.days,
            "target": s.target,
        }
        for s in supplies(community_id, enterprise_ids=ents)
        if pairs is None or (s.enterprise_id, s.material.pk) in pairs
    }


def enterprise_supplies(actor: Actor, enterprise: Enterprise) -> list[Supply]:
    actor.check(Perm.SUPPLIES_VIEW)
    scope(actor, Enterprise.objects.filter(pk=enterprise.pk)).get()
    return supplies(actor.community_id, enterprise_ids=[enterprise.pk])


def reserve_stock(community_id: int) -> dict[int, int]:
    reserve = Holder.objects.filter(community_id=community_id, enterprise__isnull=True).first()
    if reserve is None:
        return {}
    return dict(Stock.objects.filter(holder=reserve).values_list("material_id", "quantity"))


def category_stock(
    community_id: int, enterprise_ids: list[int] | None, category: str
) -> dict[int, int]:
    """Units in stock per enterprise of every material in a category (all masks, all
    thermometers), for the enterprises whose ledger holds that category at all."""
    rows = Stock.objects.filter(
        holder__community_id=community_id,
        holder__enterprise__isnull=False,
        material__category=category,
    )
    if enterprise_ids is not None:
        rows = rows.filter(holder__enterprise_id__in=enterprise_ids)
    return {
        ent: max(int(total), 0)
        for ent, total in rows.values_list("holder__enterprise_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }


def proposals(actor: Actor, enterprise: Enterprise) -> list[dict[str, Any]]:
    """Needs the system proposes from days of supply: enough to cover `cover_days` for
    consumables, the target count for durables, less stock and what is already asked for."""
    from workgate.supplies.services import settings_for

    cfg = settings_for(actor.community_id)
    open_qty: dict[int, int] = defaultdict(int)
    for m, q in Need.objects.filter(
        enterprise=enterprise, state__in=[Need.State.OPEN, Need.State.PARTLY, Need.State.ORDERED]
    ).values_list("material_id", "quantity"):
        open_qty[m] += q
    out = []
    for s in enterprise_supplies(actor, enterprise):
        if s.material.durable:
            want = (s.target or 0) - s.stock
        elif s.burn:
            want = math.ceil(s.burn * cfg.cover_days) - max(s.stock, 0)
        else:
            continue
        want -= open_qty.get(s.material.pk, 0)
        if want > 0 and s.shortage:
            out.append({"material": s.material, "quantity": want, "supply": s})
    return out


def community_chart(actor: Actor) -> dict[str, Any]:
    """For each consumable material, how many enterprises have how many days of supply (the
    buckets of BUCKETS, plus "unknown"), and for durables how many are short: ECharts data."""
    actor.check(Perm.SUPPLIES_VIEW)
    rows = supplies(actor.community_id)
    materials: dict[int, Material] = {}
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
    shortages: dict[int, int] = defaultdict(int)
    for s in rows:
        if not s.people:
            continue
        materials[s.material.pk] = s.material
        if s.shortage:
            shortages[s.material.pk] += 1
        if s.material.durable:
            continue
        if s.days is None:
            counts[s.material.pk][-1] += 1
            continue
        for i, (lo, hi) in enumerate(BUCKETS):
            if s.days >= lo and (hi is None or s.days < hi):
                counts[s.material.pk][i] += 1
                break
    consumables = [m for m in materials.values() if not m.durable and m.use_per_person_day]
    return {
        "materials": consumables,
        "buckets": {m.pk: counts[m.pk] for m in consumables},
        "shortages": {m.pk: shortages.get(m.pk, 0) for m in materials.values()},
        "all_materials": list(materials.values()),
    }


def unmet_needs(run: Any) -> list[dict[str, Any]]:
    """Open needs a run gave nothing to, each with the reason in words: no supplier offers the
    material, none delivers to the enterprise's area, none arrives by its date (and how fast
    the fastest is), everything that reaches it in time is used up, or what is left went to
    more urgent needs or stayed under its minimum order. Read against today's offers."""
    from django.utils.translation import gettext as _

    from workgate.supplies import allocation
    from workgate.supplies.models import AllocationRule
    from workgate.supplies.services import gather

    served = set(run.lines.values_list("need_id", flat=True))
    data = gather(run.community_id, with_empty=True, weigh=False)
    excluded = set(
        AllocationRule.objects.filter(
            need_id__in=data.need_rows, kind=AllocationRule.Kind.EXCLUDE
        ).values_list("need_id", "offer_id")
    )
    by_material: dict[int, list[allocation.Offer]] = defaultdict(list)
    for o in data.offers:
        by_material[o.material].append(o)
    out = []
    for need in data.needs:
        if need.id in served:
            continue
        same = by_material.get(need.material, [])
        in_area = [o for o in same if o.areas is None or need.area in o.areas]
        in_time = [
            o
            for o in in_area
            if allocation.eligible(need, o)
            and (need.id, o.id if o.id > 0 else None) not in excluded
        ]
        if not same:
            why = _("No supplier offers this material.")
        elif not in_area:
            why = _("No offer of this material delivers to its area.")
        elif not in_time:
            fastest = min(o.lead_days for o in in_area)
            why = _(
                "No offer reaches it by the date it is needed; the fastest takes %(days)s days."
            ) % {"days": fastest}
        elif all(o.available <= 0 for o in in_time):
            why = _("Everything that reaches it in time is used up.")
        else:
            why = _(
                "What reaches it in time went to more urgent needs, or would stay under its "
                "supplier's minimum order."
            )
        out.append({"need": data.need_rows[need.id], "why": why})
    return out
