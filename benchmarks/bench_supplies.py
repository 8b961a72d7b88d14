"""The supply-chain supermarket's allocation solver (`workgate.supplies.allocation`), without a
database: 651 enterprises, 200 suppliers, 6 materials, 6 delivery areas, generated with a fixed
seed. Two instances: "everything" — every enterprise needs all six materials and every supplier
offers all six (3,906 needs × 1,200 offers) — and "realistic" — enterprises need the materials
they are short of, suppliers offer one to three. Needs have people on duty × urgency tier as
weight, due dates one to five days ahead (some undated); offers have the prices, minimum orders
(masks 500–10,000, thermometers 1–10), lead times (0–4 days) and delivery areas of the demo,
and are sized to hold about four fifths of what is needed (minimum orders round small offers
up, so somewhat more in fact).

For each: `solve()` wall time (median of 5), its proof (proven optimal, weighted need met, the
dual bound, the gap, cost and cost bound, columns, branch-and-bound nodes), and first come,
first served (`greedy()`) on the same instance — what a WeChat group does by hand. Target (the
issue): proven optimal in ≤ 1 s.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Figure  # noqa: E402
from workgate.supplies.allocation import Need, Offer, Result, greedy, solve  # noqa: E402

TITLE = "Supplies: the allocation solved to proven optimality, against first come, first served"
SEED = 2020
RUNS = 5
TARGET_S = 1.0
ENTERPRISES = 651
SUPPLIERS = 200
AREAS = 6
SUPPLY_SHARE = 0.8  # offers hold this share of what is needed, per material
# material → (use per person per day or None for durables, price range in fen, minimum
# orders, share of enterprises short of it in the realistic instance)
MATERIALS = {
    1: ("medical mask", 1.0, (60, 150), (500, 1000, 2000, 5000, 10000), 0.7),
    2: ("KN95", 0.1, (300, 600), (200, 500, 1000, 2000), 0.25),
    3: ("forehead thermometer", None, (9000, 20000), (1, 1, 2, 5, 10), 0.6),
    4: ("84 disinfectant", 0.02, (800, 1500), (10, 20, 50, 100), 0.45),
    5: ("75% alcohol", 0.01, (1000, 2000), (10, 20, 50), 0.3),
    6: ("gloves", 0.5, (20, 50), (500, 1000, 5000), 0.2),
}


def instance(everything: bool, seed: int = SEED) -> tuple[list[Need], list[Offer]]:
    rng = random.Random(seed)
    people = [max(3, min(6000, round(rng.lognormvariate(3.6, 1.25) * 1.4))) for _ in range(651)]
    area = [rng.randrange(AREAS) for _ in range(ENTERPRISES)]
    needs: list[Need] = []
    for e in range(ENTERPRISES):
        for m, (_name, use, _price, _mins, short) in MATERIALS.items():
            if not everything and rng.random() > short:
                continue
            if use is None:
                quantity = max(1, math.ceil(people[e] / 100) - rng.randrange(2))
            else:
                quantity = max(1, math.ceil(people[e] * use * rng.uniform(7, 14)))
            tier = rng.choices((3, 2, 1), (0.3, 0.45, 0.25))[0]
            by_day = rng.choices((1, 2, 3, 4, 5, None), (3, 4, 3, 2, 1, 1))[0]
            needs.append(
                Need(
                    id=len(needs) + 1,
                    material=m,
                    quantity=quantity,
                    urgency=float(people[e] * tier),
                    area=area[e],
                    by_day=by_day,
                    order=len(needs),
                )
            )
    demand = {m: sum(n.quantity for n in needs if n.material == m) for m in MATERIALS}
    plans: list[tuple[int, int, frozenset[int] | None]] = []
    for s in range(SUPPLIERS):
        areas = (
            None
            if rng.random() < 0.15
            else frozenset(rng.sample(range(AREAS), rng.choice((2, 3, 4, 5, 6))))
        )
        offered = (
            list(MATERIALS)
            if everything
            else rng.sample(list(MATERIALS), rng.choices((1, 2, 3), (3, 4.5, 2.5))[0])
        )
        plans += [(s, m, areas) for m in offered]
    per_material = {m: sum(1 for _s, pm, _a in plans if pm == m) for m in MATERIALS}
    offers: list[Offer] = []
    for _s, m, areas in plans:
        _name, _use, (lo, hi), minimums, _short = MATERIALS[m]
        mean = SUPPLY_SHARE * demand[m] / max(per_material[m], 1)
        minimum = rng.choice(minimums)
        offers.append(
            Offer(
                id=len(offers) + 1,
                material=m,
                available=max(minimum, round(mean * rng.uniform(0.3, 1.7))),
                min_order=minimum,
                price=rng.randint(lo, hi),
                lead_days=rng.choices((0, 1, 2, 3, 4), (2, 4, 3, 2, 1))[0],
                areas=areas,
                order=len(offers),
            )
        )
    return needs, offers


def measure(needs: list[Need], offers: list[Offer]) -> dict[str, object]:
    times = []
    result: Result | None = None
    for _ in range(RUNS):
        result = solve(needs, offers)
        times.append(result.proof.seconds)
    assert result is not None
    g = greedy(needs, offers)
    return {"seconds": statistics.median(times), "opt": result, "greedy": g}


def _yuan(fen: float) -> str:
    return f"¥{fen / 100:,.2f}"


def figures_for(label: str, needs: list[Need], offers: list[Offer]) -> list[Figure]:
    r = measure(needs, offers)
    opt: Result = r["opt"]  # type: ignore[assignment]
    g: Result = r["greedy"]  # type: ignore[assignment]
    p, gp = opt.proof, g.proof
    total = p.weighted_total
    seconds = float(r["seconds"])  # type: ignore[arg-type]
    more = p.weighted_met - gp.weighted_met
    dcost = p.cost - gp.cost
    return [
        Figure(
            f"{label}: {len(needs):,} needs × {len(offers):,} offers; solve() (median of {RUNS})",
            round(seconds * 1000),
            "ms",
            target=f"proven optimal in ≤ {TARGET_S:g} s",
            met=p.optimal and seconds <= TARGET_S,
        ),
        Figure(
            f"{label}: proof — status / gap / columns / nodes",
            f"{p.status} / {p.gap:.1e} / {p.columns:,} / {p.nodes:,}",
        ),
        Figure(
            f"{label}: weighted need met / dual bound / total",
            f"{p.weighted_met:,.1f} / {p.weighted_bound:,.1f} / {total:,.1f} "
            f"({100 * p.weighted_met / total:.1f} %)",
        ),
        Figure(
            f"{label}: cost / cost bound (no allocation meeting as much costs less)",
            f"{_yuan(p.cost)} / {_yuan(p.cost_bound)}",
        ),
        Figure(
            f"{label}: first come, first served — weighted need met / cost",
            f"{gp.weighted_met:,.1f} ({100 * gp.weighted_met / total:.1f} %) / {_yuan(gp.cost)}",
        ),
        Figure(
            f"{label}: the optimum against first come, first served",
            f"meets {more:,.1f} more weighted need "
            f"({100 * more / max(gp.weighted_met, 1e-9):+.1f} %) at {_yuan(abs(dcost))} "
            f"{'more' if dcost >= 0 else 'less'}",
        ),
    ]


def run() -> list[Figure]:
    return figures_for("Everything", *instance(True)) + figures_for("Realistic", *instance(False))


if __name__ == "__main__":
    for figure in run():
        print(figure)
