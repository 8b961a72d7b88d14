"""Demo data of supplies: Dagang's first fortnight of masks, and the supermarket that ended the
shortage.

Six delivery areas, every enterprise in one. About 200 suppliers (医疗器械, 劳保用品, 消毒用品
companies of Ningbo and Zhejiang) with valid credit codes, the areas they deliver to and one to
three offers each at the prices of the time. The demo `supplier` account keeps one of them.

The stock ledger tells the fortnight: each enterprise opened with one to three days of masks and
bought more whenever it ran low, a few days at a time; the masks its gates handed out (counted by
daily health) are drawn day by day, so that today most enterprises have one to three days left,
some have run out and a quarter are comfortable. Many have no forehead thermometer, or fewer
than one per hundred people on duty; disinfectant runs from short to plenty. The community
reserve holds the district's allocation and a donation.

Officers posted needs for most of what runs short (the quantities the page proposes, sometimes
rounded by hand), due in the next days. The allocation ran on them (proven optimal), its orders
were issued; most were confirmed, many delivered in full or in part (days of supply rose), a few
cancelled and some still wait for the supplier. Needs posted after the run and what the run could
not meet stay open, for a staff user to run the allocation again.

Stock is bulk-written by `post_bulk`, which keeps every entry's balance and the stock row equal to
the sum of the ledger, as `services._post` does one entry at a time; the gate draw then runs
through the service and finds nothing left to draw. About two seconds at full scale.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ZhNames
from stdnum.cn import uscc

from workgate.core.access import Actor
from workgate.core.models import Community, Enterprise, Membership, Role, User
from workgate.health.queries import masks_issued_by_day
from workgate.supplies import queries, services
from workgate.supplies.models import (
    Delivery,
    DeliveryArea,
    EnterpriseArea,
    Holder,
    LedgerEntry,
    Need,
    Offer,
    Order,
    Stock,
    Supplier,
)

Kind = LedgerEntry.Kind
DAYS = 14  # daily health's fortnight of gate checks
SUPPLIERS = 200  # at scale 1.0
MIN_SUPPLIERS = 8
AREAS = (
    ("大港工业城北区", 0.22),
    ("大港工业城南区", 0.2),
    ("大港工业城东区", 0.17),
    ("大港工业城西区", 0.15),
    ("临港片区", 0.14),
    ("高新园", 0.12),
)
CITIES = (
    ("宁波", "330203"),
    ("宁波北仑", "330206"),
    ("宁波鄞州", "330212"),
    ("余姚", "330281"),
    ("慈溪", "330282"),
    ("浙江", "330100"),
    ("杭州", "330106"),
    ("绍兴", "330602"),
)
TRADES = (
    "康护", "安泰", "瑞康", "仁和", "惠民", "海天", "博爱", "恒康", "天益", "佳禾", "华卫",
    "明德", "健达", "同济", "润生", "卫康", "金盾", "盛安", "永康", "德信", "众联", "睿达",
    "新亚", "长江", "东海", "甬康", "宏达", "利民", "鑫源", "福瑞",
)  # fmt: skip
# Kind of company → (name, materials it offers with weights).
KINDS = (
    ("医疗器械有限公司", (("mask-medical", 5), ("mask-surgical", 2), ("mask-kn95", 2),
                          ("thermometer-forehead", 5), ("thermometer-ear", 1))),
    ("劳保用品有限公司", (("mask-medical", 5), ("mask-kn95", 2), ("gloves", 3), ("goggles", 2),
                          ("suit", 1))),
    ("消毒用品有限公司", (("disinfectant-chlorine", 5), ("disinfectant-alcohol", 3),
                          ("gloves", 1))),
    ("医药有限公司", (("mask-medical", 4), ("thermometer-forehead", 3),
                      ("disinfectant-chlorine", 3), ("disinfectant-alcohol", 2))),
    ("防护用品有限公司", (("mask-medical", 4), ("mask-kn95", 3), ("suit", 2), ("goggles", 2))),
)  # fmt: skip
# code → (price range in yuan, minimum orders, quantity range)
TERMS = {
    "mask-medical": ((0.6, 1.5), (500, 1000, 2000, 5000, 10000), (8_000, 40_000)),
    "mask-surgical": ((0.9, 2.0), (500, 1000, 2000, 5000), (5_000, 30_000)),
    "mask-kn95": ((3.0, 6.0), (200, 500, 1000, 2000), (2_000, 20_000)),
    "thermometer-forehead": ((90, 200), (1, 1, 2, 5, 10), (20, 150)),
    "thermometer-ear": ((150, 300), (1, 2, 5), (10, 80)),
    "disinfectant-chlorine": ((8, 15), (10, 20, 50, 100), (300, 3_000)),
    "disinfectant-alcohol": ((10, 20), (10, 20, 50), (200, 2_000)),
    "gloves": ((0.2, 0.5), (500, 1000, 5000), (10_000, 100_000)),
    "goggles": ((15, 40), (10, 20, 50), (100, 1_000)),
    "suit": ((60, 150), (10, 20, 50), (100, 800)),
}
NEED_CODES = ("mask-medical", "thermometer-forehead", "disinfectant-chlorine")
SURNAMES = list(ZhNames.last_names)[:80]  # the commonest, in order
THE_SUPPLIER = ("宁波康护医疗用品有限公司", "330206")


@dataclass(frozen=True, slots=True)
class Move:
    """One ledger entry to write, in posting order."""

    holder_id: int
    material_id: int
    kind: str
    quantity: int
    day: dt.date
    label: str
    note: str = ""
    source: str = ""
    order_id: int | None = None


def post_bulk(moves: Iterable[Move]) -> int:
    """Write many ledger entries at once, as `services._post` would one by one: each entry's
    balance is the stock before it plus its quantity, in the order given, and each stock row
    ends as the sum of its ledger. Returns the entries written."""
    moves = list(moves)
    if not moves:
        return 0
    keys = {(m.holder_id, m.material_id) for m in moves}
    holders = {h for h, _m in keys}
    materials = {m for _h, m in keys}

    def current() -> dict[tuple[int, int], Stock]:
        return {
            (s.holder_id, s.material_id): s
            for s in Stock.objects.select_for_update().filter(
                holder_id__in=holders, material_id__in=materials
            )
        }

    stocks = current()
    missing = [Stock(holder_id=h, material_id=m) for h, m in keys if (h, m) not in stocks]
    if missing:
        Stock.objects.bulk_create(missing, batch_size=2000)
        stocks = current()
    now = timezone.now()
    entries = []
    for m in moves:
        stock = stocks[(m.holder_id, m.material_id)]
        stock.quantity += m.quantity
        entries.append(
            LedgerEntry(
                holder_id=m.holder_id,
                material_id=m.material_id,
                kind=m.kind,
                quantity=m.quantity,
                balance=stock.quantity,
                day=m.day,
                note=m.note[:200],
                source=m.source[:120],
                order_id=m.order_id,
                actor_label=m.label,
                created_at=now,
            )
        )
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    touched = [stocks[k] for k in keys]
    for stock in touched:
        stock.updated_at = now
    # One prepared UPDATE run over the rows (bulk_update's CASE over 2,000 keys a statement
    # took seconds at full scale).
    from workgate.core.demo import update_rows

    update_rows(Stock, ["quantity", "updated_at"], [(s.quantity, now, s.pk) for s in touched])
    return len(entries)


def build(
    *,
    community: Community,
    scale: float,
    rng: random.Random,
    today: dt.date,
    log: Callable[[str], None],
) -> None:
    if Supplier.objects.filter(community=community).exists():
        log("supplies: already loaded, nothing added")
        return
    rng = random.Random(rng.random())
    materials = {m.code: m for m in services.ensure_catalogue(community.pk)}
    enterprises = list(Enterprise.objects.filter(community=community).order_by("pk"))
    areas = _areas(community, enterprises, rng)
    suppliers = _suppliers(community, materials, areas, scale, rng)
    log(f"supplies: {len(areas)} delivery areas, {len(suppliers)} suppliers")
    officers = _officers(community)
    written = _stock(community, enterprises, materials, officers, scale, rng, today)
    # What the worker's next gate draw (the last three days) finds: nothing, all is drawn.
    drawn = services.gate_draw(community.pk, days=3, today=today)
    log(f"supplies: {written:,} ledger entries (the gate draw found {drawn} more)")
    needs = _needs(community, enterprises, materials, officers, rng, today)
    system = Actor.system(community.pk)
    run = services.run_allocation(system)
    orders = services.issue_orders(system, run)
    states = _orders(community, orders, rng, today)
    late = _late_needs(community, enterprises, materials, rng, today)
    log(
        f"supplies: {needs} needs, allocation {'proven optimal' if run.optimal else run.status} "
        f"in {run.seconds:.2f} s, {len(orders)} orders ("
        + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        + f"), {late} needs posted since"
    )


def _areas(
    community: Community, enterprises: list[Enterprise], rng: random.Random
) -> list[DeliveryArea]:
    DeliveryArea.objects.bulk_create(
        [DeliveryArea(community=community, name=name) for name, _w in AREAS]
    )
    by_name = {a.name: a for a in DeliveryArea.objects.filter(community=community)}
    areas = [by_name[name] for name, _w in AREAS]
    weights = [w for _n, w in AREAS]
    EnterpriseArea.objects.bulk_create(
        [EnterpriseArea(enterprise=e, area=rng.choices(areas, weights)[0]) for e in enterprises],
        batch_size=2000,
    )
    return areas


def _credit_code(rng: random.Random, county: str, used: set[str]) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        body = "91" + county + "MA" + "".join(rng.choice(alphabet) for _ in range(7))
        code = body + uscc.calc_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(
        rng.choices(ZhNames.first_names, k=1 if rng.random() < 0.3 else 2)
    )


def _suppliers(
    community: Community,
    materials: dict[str, object],
    areas: list[DeliveryArea],
    scale: float,
    rng: random.Random,
) -> list[Supplier]:
    count = max(MIN_SUPPLIERS, round(SUPPLIERS * scale))
    used_codes: set[str] = set()
    used_names: set[str] = {THE_SUPPLIER[0]}
    rows: list[Supplier] = []
    plans: list[tuple[list[DeliveryArea], list[str]]] = []
    for i in range(count):
        if i == 0:
            name, county = THE_SUPPLIER
            codes = ["mask-medical", "thermometer-forehead", "disinfectant-chlorine"]
            served: list[DeliveryArea] = []  # everywhere
        else:
            kind, offers = rng.choice(KINDS)
            while True:
                city, county = rng.choice(CITIES)
                name = f"{city}{rng.choice(TRADES)}{kind}"
                if name not in used_names:
                    break
                name = f"{city}{rng.choice(TRADES)}{rng.choice(TRADES)}{kind}"
                if name not in used_names:
                    break
            used_names.add(name)
            k = rng.choices((1, 2, 3), (0.3, 0.45, 0.25))[0]
            codes = []
            while len(codes) < k:
                code = rng.choices([c for c, _w in offers], [w for _c, w in offers])[0]
                if code not in codes:
                    codes.append(code)
            served = (
                []
                if rng.random() < 0.15
                else rng.sample(areas, rng.choices((2, 3, 4, 5, 6), (3, 3, 2, 1, 1))[0])
            )
        rows.append(
            Supplier(
                community=community,
                name=name,
                credit_code=_credit_code(rng, county, used_codes),
                contact_name=_person(rng),
                contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                address=f"{name[:2]}市{rng.choice(TRADES)}路{rng.randrange(1, 999)}号",
            )
        )
        plans.append((served, codes))
    Supplier.objects.bulk_create(rows, batch_size=1000)
    rows = list(Supplier.objects.filter(community=community).order_by("pk"))
    through = Supplier.areas.through
    through.objects.bulk_create(
        [
            through(supplier_id=s.pk, deliveryarea_id=a.pk)
            for s, (served, _c) in zip(rows, plans, strict=True)
            for a in served
        ],
        batch_size=2000,
    )
    offers = []
    for i, (s, (_served, codes)) in enumerate(zip(rows, plans, strict=True)):
        for code in codes:
            (lo, hi), minimums, (q_lo, q_hi) = TERMS[code]
            price = Decimal(str(round(rng.uniform(lo, hi), 2 if hi < 10 else 0)))
            minimum = rng.choice(minimums)
            quantity = max(minimum, round(rng.uniform(q_lo, q_hi), -1 if q_hi < 1000 else -2))
            if i == 0:  # the demo supplier's: good prices, so it has orders to confirm
                price = Decimal(
                    {"mask-medical": "0.68", "thermometer-forehead": "98"}.get(code, "8.50")
                )
                minimum = {"mask-medical": 1000, "thermometer-forehead": 1}.get(code, 10)
                quantity = max(quantity, 30_000 if code == "mask-medical" else q_hi)
            offers.append(
                Offer(
                    supplier=s,
                    material=materials[code],
                    quantity=quantity,
                    unit_price=price,
                    min_order=minimum,
                    lead_days=rng.choices((0, 1, 2, 3, 4), (2, 4, 3, 2, 1))[0],
                    updated_by_label="system",
                )
            )
    Offer.objects.bulk_create(offers, batch_size=2000)
    account = User.objects.filter(
        username="supplier", memberships__community=community, memberships__role=Role.SUPPLIER
    ).first()
    if account is not None:
        rows[0].accounts.add(account)
    return rows


def _masks_issued(community_id: int, first: dt.date, last: dt.date) -> dict[tuple, int]:
    """`masks_issued_by_day`. On SQLite the demo reads the table through rather than by the
    round index (which fetches every row of the fortnight one by one): 3× faster at full
    scale, where the community is the table's only one."""
    if connection.vendor != "sqlite":
        return masks_issued_by_day(community_id=community_id, first=first, last=last)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT enterprise_id, taken_on, SUM(masks_issued) FROM health_check NOT INDEXED "
            "WHERE community_id = %s AND taken_on >= %s AND taken_on <= %s AND masks_issued > 0 "
            "GROUP BY enterprise_id, taken_on",
            [community_id, first.isoformat(), last.isoformat()],
        )
        return {
            (ent, day if isinstance(day, dt.date) else dt.date.fromisoformat(day)): int(n)
            for ent, day, n in cur.fetchall()
        }


def _officers(community: Community) -> dict[int, str]:
    """Enterprise → the username of one of its officers (who posts its receipts and needs)."""
    out: dict[int, str] = {}
    for ent, name in (
        Membership.objects.filter(community=community, role=Role.OFFICER, enterprise__isnull=False)
        .order_by("-user__username")
        .values_list("enterprise_id", "user__username")
    ):
        out[ent] = name
    return out


def _stock(
    community: Community,
    enterprises: list[Enterprise],
    materials: dict[str, object],
    officers: dict[int, str],
    scale: float,
    rng: random.Random,
    today: dt.date,
) -> int:
    """The fortnight's ledger: receipts and gate draws in day order, plus the reserve."""
    first = today - dt.timedelta(days=DAYS - 1)
    issued = _masks_issued(community.pk, first, today)
    by_ent: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for (ent, day), n in issued.items():
        by_ent[ent][day] = n
    holders = _holders(community, [e.pk for e in enterprises])
    people = queries.people_counts(community.pk)
    mask = materials["mask-medical"]
    thermo = materials["thermometer-forehead"]
    chlorine = materials["disinfectant-chlorine"]
    moves: list[Move] = []
    for e in enterprises:
        holder = holders[e.pk]
        who = officers.get(e.pk, "system")
        draws = by_ent.get(e.pk, {})
        if draws:
            moves += _mask_story(holder, mask.pk, draws, who, rng, today)
            start = min(draws) - dt.timedelta(days=1)
        else:
            start = None
        p = people.get(e.pk, 0)
        if start is None or not p:
            continue
        target = math.ceil(p / 100)
        r = rng.random()
        have = (
            0 if r < 0.4 else (rng.randrange(0, target) if r < 0.65 else target + rng.randrange(3))
        )
        if have:
            moves.append(Move(holder, thermo.pk, Kind.RECEIVED, have, start, who, "企业自购"))
        per_day = max(p * 0.02, 0.1)
        bottles = round(per_day * rng.choice((0.5, 1, 2, 4, 8, 15, 25)))
        if bottles:
            moves.append(Move(holder, chlorine.pk, Kind.RECEIVED, bottles, start, who, "企业自购"))
    # Day order (the gates' draws after that morning's receipts), as the service would post.
    moves.sort(key=lambda m: (m.day, m.kind == Kind.GATE))
    reserve = services.holder_of(community.pk, None).pk
    unit = max(scale, 0.02)
    arrived = today - dt.timedelta(days=5)
    moves += [
        Move(
            reserve,
            mask.pk,
            Kind.RECEIVED,
            round(60_000 * unit, -2),
            arrived,
            "system",
            "北仑区应急管理局调拨",
            "区防疫物资储备",
        ),
        Move(
            reserve,
            mask.pk,
            Kind.RECEIVED,
            round(20_000 * unit, -2),
            arrived + dt.timedelta(days=2),
            "system",
            "宁波市北仑区慈善总会捐赠",
            "社会捐赠",
        ),
        Move(
            reserve,
            thermo.pk,
            Kind.RECEIVED,
            max(5, round(120 * unit)),
            arrived,
            "system",
            "北仑区应急管理局调拨",
            "区防疫物资储备",
        ),
        Move(
            reserve,
            chlorine.pk,
            Kind.RECEIVED,
            max(20, round(600 * unit)),
            arrived,
            "system",
            "宁波市北仑区慈善总会捐赠",
            "社会捐赠",
        ),
    ]
    return post_bulk(moves)


def _holders(community: Community, enterprise_ids: list[int]) -> dict[int, int]:
    existing = dict(
        Holder.objects.filter(enterprise_id__in=enterprise_ids).values_list("enterprise_id", "pk")
    )
    Holder.objects.bulk_create(
        [Holder(community=community, enterprise_id=e) for e in enterprise_ids if e not in existing],
        batch_size=2000,
    )
    return dict(
        Holder.objects.filter(enterprise_id__in=enterprise_ids).values_list("enterprise_id", "pk")
    )


def _mask_story(
    holder: int,
    material: int,
    draws: dict[dt.date, int],
    who: str,
    rng: random.Random,
    today: dt.date,
) -> list[Move]:
    """Receipts that keep an enterprise just ahead of its gate, a few days at a time, and end
    today with one to three days of masks left (most), none (a few) or plenty (a quarter)."""
    days = sorted(draws)
    recent = [draws.get(today - dt.timedelta(days=d), 0) for d in range(1, 8)]
    span = min(7, max((today - days[0]).days + 1, 1))
    burn = max(sum(recent) / span, 1)
    r = rng.random()
    if r < 0.07:
        end = -round(burn * rng.uniform(0, 0.6))  # ran out: the gate handed out what it owed
    elif r < 0.75:
        end = round(burn * rng.uniform(0.2, 2.8))
    else:
        end = round(burn * rng.uniform(4, 12))
    budget = sum(draws.values()) + end
    moves: list[Move] = []
    balance = 0
    opening = min(budget, sum(draws[d] for d in days[: rng.randint(1, 3)]))
    if opening > 0:
        moves.append(
            Move(
                holder,
                material,
                Kind.RECEIVED,
                opening,
                days[0] - dt.timedelta(days=1),
                who,
                "开工前储备",
            )
        )
        balance, budget = opening, budget - opening
    for i, day in enumerate(days):
        if balance < draws[day] and budget > 0:
            ahead = sum(draws[d] for d in days[i : i + rng.randint(3, 6)])
            got = min(budget, ahead)
            moves.append(
                Move(
                    holder,
                    material,
                    Kind.RECEIVED,
                    got,
                    day,
                    who,
                    rng.choice(("企业自购", "企业自购", "园区调剂")),
                )
            )
            balance, budget = balance + got, budget - got
        balance -= draws[day]
        moves.append(
            Move(
                holder,
                material,
                Kind.GATE,
                -draws[day],
                day,
                "system",
                source=f"gate:{day.isoformat()}",
            )
        )
    if budget > 0:
        last = next(i for i in range(len(moves) - 1, -1, -1) if moves[i].kind == Kind.RECEIVED)
        m = moves[last]
        moves[last] = Move(
            m.holder_id, m.material_id, m.kind, m.quantity + budget, m.day, m.label, m.note
        )
    return moves


def _needs(
    community: Community,
    enterprises: list[Enterprise],
    materials: dict[str, object],
    officers: dict[int, str],
    rng: random.Random,
    today: dt.date,
) -> int:
    """What officers posted for what runs short: the proposal (as `queries.proposals` makes
    it), sometimes rounded up by hand; due in the next days."""
    cfg = services.settings_for(community.pk)
    wanted = {materials[c].pk for c in NEED_CODES}
    back = [e.pk for e in enterprises if e.status == Enterprise.Status.RESUMED]
    now = timezone.now()
    rows = []
    for s in queries.supplies(community.pk, enterprise_ids=back, today=today):
        if s.material.pk not in wanted or not s.shortage or not s.people:
            continue
        if s.material.durable:
            want = (s.target or 0) - s.stock
        elif s.burn:
            want = math.ceil(s.burn * cfg.cover_days) - max(s.stock, 0)
        else:
            continue
        if want <= 0 or rng.random() > 0.85:
            continue
        proposed = rng.random() < 0.7
        if not proposed:
            step = 1000 if want > 5000 else (100 if want > 300 else 10)
            want = max(want, math.ceil(want / step) * step) if not s.material.durable else want
        by = rng.choices((1, 2, 3, 4, 5, None), (3, 4, 3, 2, 1, 1))[0]
        rows.append(
            Need(
                enterprise_id=s.enterprise_id,
                material=s.material,
                quantity=want,
                by_date=today + dt.timedelta(days=by) if by else None,
                proposed=proposed,
                posted_at=now - dt.timedelta(minutes=rng.randrange(30, 20 * 60)),
                posted_by_label=officers.get(s.enterprise_id, "system"),
            )
        )
    Need.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _orders(
    community: Community, orders: list[Order], rng: random.Random, today: dt.date
) -> dict[str, int]:
    """Most confirmed, many delivered in full or in part, a few cancelled, some still waiting.
    The demo supplier keeps a few to confirm. Deliveries are bulk-written like `receive`."""
    system = Actor.system(community.pk)
    the_supplier = (
        Supplier.objects.filter(community=community).order_by("pk").values_list("pk", flat=True)
    ).first()
    now = timezone.now()
    orders = sorted(orders, key=lambda o: o.pk)
    from_suppliers = [o for o in orders if o.supplier_id is not None]
    rng.shuffle(from_suppliers)
    # The demo supplier's first three wait for its confirmation; of the others, about one in
    # twenty is cancelled and one in twelve still waits (at least one of each).
    waiting = [o for o in from_suppliers if o.supplier_id == the_supplier][:3]
    rest = [o for o in from_suppliers if o not in waiting]
    n_cancel = max(1, round(len(rest) * 0.05)) if len(rest) > 4 else 0
    n_wait = max(1, round(len(rest) * 0.08)) if len(rest) > 4 else 0
    cancel = rest[:n_cancel]
    confirm = rest[n_cancel + n_wait :]
    # The largest first: one delivered in full, one in part, one confirmed and on its way.
    confirm.sort(key=lambda o: -o.quantity)
    deliver = []
    for i, o in enumerate(confirm + [o for o in orders if o.supplier_id is None]):
        r = rng.random()
        if i == 2:
            continue
        if i == 0 or r < 0.55:
            deliver.append((o, o.quantity))
        elif i == 1 or r < 0.8:
            deliver.append((o, max(1, o.quantity * rng.choice((3, 5, 6)) // 10)))
    Order.objects.filter(pk__in=[o.pk for o in confirm if o.supplier_id]).update(
        state=Order.State.CONFIRMED, confirmed_at=now
    )
    for o in cancel:
        services.cancel_order(
            system, o, rng.choice(("供应商库存不足，无法按期发货", "物流停运，无法送达"))
        )
    holders = _holders(community, sorted({o.enterprise_id for o, _q in deliver}))
    reserve = services.holder_of(community.pk, None).pk
    moves, deliveries, changed = [], [], []
    for o, qty in deliver:
        o.delivered = qty
        o.state = Order.State.DELIVERED if qty == o.quantity else Order.State.PARTLY
        o.confirmed_at = o.confirmed_at or now
        if o.state == Order.State.DELIVERED:
            o.closed_at = now
        changed.append(o)
        deliveries.append(Delivery(order=o, quantity=qty, received_by_label="system"))
        if o.from_reserve:
            moves.append(
                Move(
                    reserve,
                    o.material_id,
                    Kind.TRANSFER_OUT,
                    -qty,
                    today,
                    "system",
                    o.enterprise.name,
                    f"order:{o.pk}",
                    o.pk,
                )
            )
        moves.append(
            Move(
                holders[o.enterprise_id],
                o.material_id,
                Kind.RECEIVED,
                qty,
                today,
                "system",
                "",
                f"order:{o.pk}",
                o.pk,
            )
        )
    Order.objects.bulk_update(
        changed, ["delivered", "state", "confirmed_at", "closed_at"], batch_size=1000
    )
    Delivery.objects.bulk_create(deliveries, batch_size=2000)
    post_bulk(moves)
    return dict(
        Order.objects.filter(community=community)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _late_needs(
    community: Community,
    enterprises: list[Enterprise],
    materials: dict[str, object],
    rng: random.Random,
    today: dt.date,
) -> int:
    """Needs posted since the run, by the officers themselves: open for the next run."""
    members = list(
        Membership.objects.filter(
            community=community,
            role=Role.OFFICER,
            enterprise__status=Enterprise.Status.RESUMED,
        ).select_related("user", "enterprise", "community")
    )
    rng.shuffle(members)
    # The service refuses a date in the past: a demo built for another day posts undated needs.
    dated = today >= services.local_today(community.pk)
    posted = 0
    for m in members[: max(3, round(len(enterprises) * 0.03))]:
        code, qty = rng.choice(
            (("mask-medical", rng.choice((500, 1000, 2000, 3000))), ("mask-kn95", 200),
             ("thermometer-forehead", rng.randint(1, 3)), ("disinfectant-alcohol", 20),
             ("gloves", 1000))
        )  # fmt: skip
        services.post_need(
            Actor.from_membership(m),
            m.enterprise,
            materials[code],
            qty,
            by_date=today + dt.timedelta(days=rng.randint(2, 6)) if dated else None,
            note="追加需求",
        )
        posted += 1
    return posted
