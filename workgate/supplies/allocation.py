"""The supermarket's allocation: which offer (or the community reserve) serves which need, and how
much, solved to proven optimality with HiGHS.

The problem, per material (an offer of masks never serves a need for disinfectant, so each
material is solved on its own and the optima add up):

- a line `x[n, o]` is the whole number of units need `n` gets from offer `o`. It may be non-zero
  only where the offer delivers to the need's area, arrives by the need's date, and staff have
  not excluded the pair; a pinned pair gets exactly its pinned quantity;
- each need gets at most what it asked for, each offer gives at most what it has;
- what the run takes from an offer in total is 0 or at least the offer's minimum order (the
  supermarket buys as a group and the supplier ships each enterprise its part; decision 0022);
- first maximise the needs met weighted by urgency, `sum(urgency[n] * x[n, o] / quantity[n])`;
  then, holding that optimum, minimise the cost `sum(price[o] * x[n, o])`.

It is solved as a network (`_solve_material`: offers → area/date hubs → needs, one yes/no column
per offer with a minimum order) in a few thousand columns instead of one column per pair. Both
stages are solved to a MIP gap of zero (HiGHS's 1e-9 relative tolerance) and the proof —
objective, dual bound, gap, nodes — is returned with the lines, so a page can show that the
result is the best possible and not a heuristic's guess. The answer is checked to be whole and
to satisfy every row exactly before it is returned (`_whole`).

This module is pure: plain records in, plain records out; `services.run_allocation` reads the
database and writes the run. Why HiGHS (highspy) and not OR-Tools: the same proven MIP solver at a
sixth of the download and a numpy interface that builds the model in milliseconds. SciPy's
`milp` wraps the same solver but hides stage two's dual bound and cannot warm-start it.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

# Relative and absolute MIP gaps at which HiGHS may stop: effectively zero.
GAP_REL = 1e-9
GAP_ABS = 1e-7
# Stage two keeps stage one's optimum up to this relative slack (floating point, not policy).
KEEP_REL = 1e-9


@dataclass(frozen=True, slots=True)
class Need:
    id: int
    material: int
    quantity: int
    urgency: float
    area: int | None = None
    by_day: int | None = None  # days from today by which it must arrive; None = no date
    order: int = 0  # first come, first served rank (for the greedy comparison)


@dataclass(frozen=True, slots=True)
class Offer:
    id: int
    material: int
    available: int
    min_order: int
    price: int  # per unit, in fen (0.01 yuan)
    lead_days: int = 0
    areas: frozenset[int] | None = None  # None: delivers everywhere
    order: int = 0


@dataclass(frozen=True, slots=True)
class Line:
    need: int
    offer: int
    quantity: int


@dataclass(slots=True)
class Proof:
    """What the solver proved, summed over the materials."""

    optimal: bool = True
    status: str = "optimal"
    weighted_met: float = 0.0  # stage one's objective
    weighted_bound: float = 0.0  # no allocation can exceed this
    weighted_total: float = 0.0  # every need fully met
    cost: int = 0  # fen, stage two's objective
    cost_bound: int = 0  # no allocation meeting as much can cost less than this
    nodes: int = 0
    columns: int = 0
    seconds: float = 0.0

    @property
    def gap(self) -> float:
        if not self.weighted_bound:
            return 0.0
        return max(0.0, (self.weighted_bound - self.weighted_met) / self.weighted_bound)


@dataclass(slots=True)
class Result:
    lines: list[Line] = field(default_factory=list)
    proof: Proof = field(default_factory=Proof)


class PinConflict(ValueError):
    """Staff's pins cannot all hold; `problems` says which and why (codes for the service to
    put into words)."""

    def __init__(self, problems: list[tuple[str, int, int]]):
        super().__init__(problems)
        self.problems = problems


def eligible(need: Need, offer: Offer) -> bool:
    """Whether an offer may serve a need at all (area, date, material)."""
    if need.material != offer.material:
        return False
    if offer.areas is not None and need.area not in offer.areas:
        return False
    return need.by_day is None or offer.lead_days <= need.by_day


def check_pins(
    needs: Sequence[Need], offers: Sequence[Offer], pins: dict[tuple[int, int], int]
) -> None:
    """Refuse pins that cannot hold, before solving: an unknown or ineligible pair, a quantity
    under the offer's minimum order, more than an offer has or a need asked for."""
    by_need = {n.id: n for n in needs}
    by_offer = {o.id: o for o in offers}
    problems: list[tuple[str, int, int]] = []
    taken: dict[int, int] = defaultdict(int)
    given: dict[int, int] = defaultdict(int)
    for (n_id, o_id), qty in pins.items():
        need, offer = by_need.get(n_id), by_offer.get(o_id)
        if need is None or offer is None or not eligible(need, offer):
            problems.append(("ineligible", n_id, o_id))
            continue
        if qty < max(offer.min_order, 1):
            problems.append(("under_minimum", n_id, o_id))
        taken[o_id] += qty
        given[n_id] += qty
    problems += [("offer_short", 0, o) for o, q in taken.items() if q > by_offer[o].available]
    problems += [("need_exceeded", n, 0) for n, q in given.items() if q > by_need[n].quantity]
    if problems:
        raise PinConflict(problems)


def solve(
    needs: Sequence[Need],
    offers: Sequence[Offer],
    *,
    pins: dict[tuple[int, int], int] | None = None,
    excluded: Iterable[tuple[int, int]] = (),
    time_limit: float = 60.0,
) -> Result:
    """The optimal allocation, with its proof. Raises PinConflict when pins cannot hold."""
    pins = pins or {}
    check_pins(needs, offers, pins)
    excluded = set(excluded)
    started = time.perf_counter()
    result = Result()
    result.proof.weighted_total = float(sum(n.urgency for n in needs))
    by_material_n: dict[int, list[Need]] = defaultdict(list)
    by_material_o: dict[int, list[Offer]] = defaultdict(list)
    for n in needs:
        by_material_n[n.material].append(n)
    for o in offers:
        by_material_o[o.material].append(o)
    for material, m_needs in sorted(by_material_n.items()):
        m_offers = by_material_o.get(material, [])
        if m_offers:
            _solve_material(m_needs, m_offers, pins, excluded, time_limit, result)
    result.proof.seconds = time.perf_counter() - started
    return result


class _Model:
    """Columns and rows of one HiGHS model, collected as triplets."""

    def __init__(self) -> None:
        self.value: list[float] = []  # stage one (urgency met)
        self.price: list[float] = []  # stage two (cost)
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.binary: list[int] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.r: list[int] = []
        self.c: list[int] = []
        self.v: list[float] = []

    def col(self, value: float, price: float, upper: float, *, binary: bool = False) -> int:
        self.value.append(value)
        self.price.append(price)
        self.lower.append(0.0)
        self.upper.append(upper)
        if binary:
            self.binary.append(len(self.value) - 1)
        return len(self.value) - 1

    def row(self, lower: float, upper: float) -> int:
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        return len(self.row_lower) - 1

    def put(self, row: int, col: int, val: float = 1.0) -> None:
        self.r.append(row)
        self.c.append(col)
        self.v.append(val)

    def highs(self, time_limit: float) -> highspy.Highs:
        n = len(self.value)
        rows = np.asarray(self.r, dtype=np.int32)
        cols = np.asarray(self.c, dtype=np.int32)
        vals = np.asarray(self.v, dtype=float)
        order = np.argsort(cols, kind="stable")
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = len(self.row_lower)
        lp.col_cost_ = np.asarray(self.value, dtype=float)
        lp.col_lower_ = np.asarray(self.lower, dtype=float)
        lp.col_upper_ = np.asarray(self.upper, dtype=float)
        lp.row_lower_ = np.asarray(self.row_lower, dtype=float)
        lp.row_upper_ = np.asarray(self.row_upper, dtype=float)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(cols[order], np.arange(n + 1)).astype(np.int32)
        lp.a_matrix_.index_ = rows[order]
        lp.a_matrix_.value_ = vals[order]
        # Only the yes/no columns are declared integer. The flows form a network whose bounds
        # are whole numbers once the yes/no columns are fixed, so every vertex the simplex
        # returns is whole: declaring them integer too gives the same optimum but makes HiGHS
        # search cuts over thousands of general integers (measured: 5–7× slower). Stage two's
        # objective row breaks the network; its answer is checked and, if not whole, solved
        # again with integer flows (see `_whole`).
        integrality = np.full(n, highspy.HighsVarType.kContinuous)
        integrality[self.binary] = highspy.HighsVarType.kInteger
        lp.integrality_ = list(integrality)
        h = highspy.Highs()
        h.silent()
        for name, val in (
            ("mip_rel_gap", GAP_REL),
            ("mip_abs_gap", GAP_ABS),
            ("time_limit", float(time_limit)),
            ("threads", 1),
            ("random_seed", 0),
        ):
            h.setOptionValue(name, val)
        h.passModel(lp)
        return h


def _bound(info: highspy.HighsInfo) -> float:
    """The dual bound HiGHS proved: a MIP's, or, when no column was integer and HiGHS solved a
    plain LP, the LP optimum itself (strong duality is the proof)."""
    if info.mip_node_count < 0:
        return float(info.objective_function_value)
    return float(info.mip_dual_bound)


def _whole(m: _Model, x: np.ndarray, *, z1: float | None = None) -> bool:
    """Whether `x` rounds to whole numbers that satisfy every row and bound exactly (and, with
    `z1`, keep stage one's optimum): then the rounded allocation is the answer."""
    xr = np.rint(x)
    if len(x) and np.abs(x - xr).max() > 0.05:
        return False
    if np.any(xr < np.asarray(m.lower)) or np.any(xr > np.asarray(m.upper)):
        return False
    rows, cols, vals = np.asarray(m.r), np.asarray(m.c), np.asarray(m.v)
    activity = np.bincount(rows, weights=vals * xr[cols], minlength=len(m.row_lower))
    if np.any(activity < np.asarray(m.row_lower) - 1e-9):
        return False
    if np.any(activity > np.asarray(m.row_upper) + 1e-9):
        return False
    if z1 is not None:
        kept = float(np.dot(np.asarray(m.value), xr))
        if kept < z1 - 1e-9 * max(1.0, abs(z1)):
            return False
    return True


def _solve_material(
    needs: Sequence[Need],
    offers: Sequence[Offer],
    pins: dict[tuple[int, int], int],
    excluded: set[tuple[int, int]],
    time_limit: float,
    result: Result,
) -> None:
    """One material as a network: offer → (area, arrival class) hubs chained by date → need.

    Offers deliver into the hub of each area they serve at the first date class they can make;
    chain arcs carry supply to later classes ("arrives by the 3rd" also serves "by the 5th");
    each need draws from its own area and class. This is the same problem as one line per
    (need, offer) pair, in a few thousand columns instead of ~130,000; the lines are read back
    from the hub flows afterwards. A need with an excluded pair gets its own lines instead.

    The minimum order applies to what the supermarket takes from an offer in one run (it buys
    as a group and the supplier ships each enterprise its part; see decision 0022): one yes/no
    column per offer with a minimum above one unit.
    """
    proof = result.proof
    n_ids = {n.id for n in needs}
    by_offer = {o.id: o for o in offers}
    pinned_n: dict[int, int] = defaultdict(int)
    pinned_o: dict[int, int] = defaultdict(int)
    lines: dict[tuple[int, int], int] = defaultdict(int)
    for (n_id, o_id), qty in pins.items():
        if n_id in n_ids and o_id in by_offer:
            pinned_n[n_id] += qty
            pinned_o[o_id] += qty
            lines[(n_id, o_id)] += qty
    pinned_value = sum(n.urgency * pinned_n[n.id] / n.quantity for n in needs if n.id in pinned_n)
    m = _Model()
    inf = highspy.kHighsInf

    # Offers: one row for what is left after pins, with the minimum order still to reach.
    offer_rows: dict[int, tuple[int, ...]] = {}
    offer_left: dict[int, int] = {}
    for o in offers:
        taken = pinned_o.get(o.id, 0)
        left = o.available - taken
        minimum = max(o.min_order - taken, 0)
        if left <= 0 or left < minimum:
            continue
        offer_left[o.id] = left
        if taken or minimum <= 1:
            offer_rows[o.id] = (m.row(float(minimum if taken else 0), float(left)),)
        else:
            cap, floor = m.row(-inf, 0.0), m.row(0.0, inf)
            y = m.col(0.0, 0.0, 1.0, binary=True)
            m.put(cap, y, -float(left))
            m.put(floor, y, -float(minimum))
            offer_rows[o.id] = (cap, floor)

    # Needs: hub needs by area and date class; needs with exclusions get direct lines.
    value = {n.id: n.urgency / n.quantity for n in needs}
    want = {n.id: n.quantity - pinned_n.get(n.id, 0) for n in needs}
    excluded_of: dict[int, set[int]] = defaultdict(set)
    for n_id, o_id in excluded:
        if n_id in n_ids and (n_id, o_id) not in pins:
            excluded_of[n_id].add(o_id)
    # A pin fixes its line's quantity: the pinned pair gets nothing more on top of it.
    for n_id, o_id in pins:
        if n_id in n_ids and o_id in by_offer:
            excluded_of[n_id].add(o_id)
    never = 1 << 30
    classes: dict[int | None, list[int]] = defaultdict(list)
    for n in needs:
        if want[n.id] > 0 and n.id not in excluded_of:
            classes[n.area].append(n.by_day if n.by_day is not None else never)
    hub: dict[tuple[int | None, int], int] = {}
    for area, days in classes.items():
        days[:] = sorted(set(days))
        for k, _day in enumerate(days):
            hub[(area, k)] = m.row(0.0, 0.0)
        for k in range(len(days) - 1):
            chain = m.col(0.0, 0.0, inf)
            m.put(hub[(area, k)], chain, -1.0)
            m.put(hub[(area, k + 1)], chain, 1.0)
    need_col: dict[int, int] = {}
    direct: dict[int, tuple[int, int]] = {}
    for n in needs:
        if want[n.id] <= 0:
            continue
        if n.id in excluded_of:
            row = m.row(0.0, float(want[n.id]))
            for o in offers:
                if o.id in offer_left and o.id not in excluded_of[n.id] and eligible(n, o):
                    col = m.col(
                        value[n.id], float(o.price), float(min(want[n.id], offer_left[o.id]))
                    )
                    m.put(row, col)
                    for r in offer_rows[o.id]:
                        m.put(r, col)
                    direct[col] = (n.id, o.id)
            continue
        days = classes[n.area]
        k = days.index(n.by_day if n.by_day is not None else never)
        col = m.col(value[n.id], 0.0, float(want[n.id]))
        m.put(hub[(n.area, k)], col, -1.0)
        need_col[n.id] = col
    supply: dict[int, tuple[int, int | None, int]] = {}
    for o in offers:
        if o.id not in offer_left:
            continue
        areas = classes.keys() if o.areas is None else [a for a in o.areas if a in classes]
        for area in areas:
            days = classes[area]
            k = next((i for i, d in enumerate(days) if o.lead_days <= d), None)
            if k is None:
                continue
            col = m.col(0.0, float(o.price), float(offer_left[o.id]))
            m.put(hub[(area, k)], col, 1.0)
            for r in offer_rows[o.id]:
                m.put(r, col)
            supply[col] = (o.id, area, k)
    proof.weighted_met += pinned_value
    proof.weighted_bound += pinned_value
    pinned_cost = sum(q * by_offer[o].price for (_, o), q in lines.items())
    proof.cost_bound += pinned_cost
    if not need_col and not direct:
        result.lines.extend(Line(n, o, q) for (n, o), q in lines.items())
        proof.cost += pinned_cost
        return

    n_cols = len(m.value)
    proof.columns += n_cols
    h = m.highs(time_limit)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        proof.optimal = False
        proof.status = h.modelStatusToString(status)
        result.lines.extend(Line(n, o, q) for (n, o), q in lines.items())
        proof.cost += pinned_cost
        return
    info = h.getInfo()
    z1 = info.objective_function_value
    proof.nodes += max(int(info.mip_node_count), 0)
    x = np.asarray(h.getSolution().col_value)
    if not _whole(m, x):
        # Not expected (a network vertex is whole); solve exactly with integer flows.
        h.changeColsIntegrality(
            n_cols,
            np.arange(n_cols, dtype=np.int32),
            np.full(n_cols, highspy.HighsVarType.kInteger),
        )
        h.run()
        info = h.getInfo()
        z1 = info.objective_function_value
        proof.nodes += max(int(info.mip_node_count), 0)
        x = np.asarray(h.getSolution().col_value)
    proof.weighted_met += z1
    proof.weighted_bound += _bound(info)

    # Stage two: keep stage one's optimum, spend as little as possible.
    value_arr = np.asarray(m.value)
    nz = np.nonzero(value_arr)[0].astype(np.int32)
    h.addRow(z1 - KEEP_REL * max(1.0, abs(z1)), inf, len(nz), nz, value_arr[nz])
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    # Costs are whole fen: an allocation within a fen of the bound is the cheapest one.
    h.setOptionValue("mip_abs_gap", 0.99)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), np.asarray(m.price))
    start = highspy.HighsSolution()
    start.col_value = list(x)
    start.value_valid = True
    h.setSolution(start)
    h.run()
    status = h.getModelStatus()
    x2 = np.asarray(h.getSolution().col_value)
    price_arr = np.asarray(m.price)
    if status == highspy.HighsModelStatus.kOptimal and not (
        _whole(m, x2, z1=z1)
        and float(np.dot(price_arr, np.rint(x2))) <= math.ceil(_bound(h.getInfo()) - 1e-6) + 0.5
    ):
        # The objective row let the LP split a unit (or rounding would cost more than the
        # bound): solve stage two with integer flows.
        h.changeColsIntegrality(
            n_cols,
            np.arange(n_cols, dtype=np.int32),
            np.full(n_cols, highspy.HighsVarType.kInteger),
        )
        h.setSolution(start)
        h.run()
        status = h.getModelStatus()
        x2 = np.asarray(h.getSolution().col_value)
    if status == highspy.HighsModelStatus.kOptimal:
        info = h.getInfo()
        x = x2
        # Costs are whole fen: no whole allocation costs less than the bound rounded up.
        proof.cost_bound += math.ceil(_bound(info) - 1e-6)
        proof.nodes += max(int(info.mip_node_count), 0)
    else:
        proof.optimal = False
        proof.status = h.modelStatusToString(status)
    x = np.rint(x).astype(np.int64)

    # Read the lines back: direct lines as they are; hub flows matched, area by area and date
    # class by class, to the offers that entered at that class or earlier.
    for col, (n_id, o_id) in direct.items():
        if x[col] > 0:
            lines[(n_id, o_id)] += int(x[col])
    entering: dict[tuple[int | None, int], list[list[int]]] = defaultdict(list)
    for col, (o_id, area, k) in supply.items():
        if x[col] > 0:
            entering[(area, k)].append([o_id, int(x[col])])
    drawing: dict[tuple[int | None, int], list[tuple[int, int]]] = defaultdict(list)
    for n in needs:
        col = need_col.get(n.id)
        if col is not None and x[col] > 0:
            k = classes[n.area].index(n.by_day if n.by_day is not None else never)
            drawing[(n.area, k)].append((n.id, int(x[col])))
    for area, days in classes.items():
        pool: list[list[int]] = []
        for k in range(len(days)):
            # Largest pieces first: fewer, larger orders.
            pool.extend(entering.get((area, k), []))
            pool.sort(key=lambda p: -p[1])
            for n_id, got in sorted(drawing.get((area, k), []), key=lambda d: -d[1]):
                while got > 0 and pool:
                    take = min(got, pool[0][1])
                    lines[(n_id, pool[0][0])] += take
                    pool[0][1] -= take
                    got -= take
                    if not pool[0][1]:
                        pool.pop(0)
    for (n_id, o_id), qty in lines.items():
        if qty > 0:
            result.lines.append(Line(n_id, o_id, qty))
            proof.cost += qty * by_offer[o_id].price


def greedy(needs: Sequence[Need], offers: Sequence[Offer]) -> Result:
    """First come, first served: needs in the order they were posted, each filled from the
    cheapest offer that can still serve it; an offer whose takers stay under its minimum order
    ships nothing. What a WeChat group does by hand; the benchmark's point of comparison."""
    started = time.perf_counter()
    left = {o.id: o.available for o in offers}
    by_material: dict[int, list[Offer]] = defaultdict(list)
    for o in sorted(offers, key=lambda o: (o.price, o.lead_days, o.order, o.id)):
        by_material[o.material].append(o)
    taken: list[Line] = []
    for n in sorted(needs, key=lambda n: (n.order, n.id)):
        want = n.quantity
        for o in by_material.get(n.material, []):
            if not want:
                break
            take = min(want, left[o.id])
            if take <= 0 or not eligible(n, o):
                continue
            left[o.id] -= take
            want -= take
            taken.append(Line(n.id, o.id, take))
    by_id = {o.id: o for o in offers}
    total: dict[int, int] = defaultdict(int)
    for line in taken:
        total[line.offer] += line.quantity
    result = Result()
    result.lines = [ln for ln in taken if total[ln.offer] >= by_id[ln.offer].min_order]
    proof = result.proof
    proof.weighted_total = float(sum(n.urgency for n in needs))
    proof.weighted_met = weighted_met(needs, result.lines)
    proof.cost = sum(ln.quantity * by_id[ln.offer].price for ln in result.lines)
    proof.optimal = False
    proof.status = "heuristic"
    proof.seconds = time.perf_counter() - started
    return result


def weighted_met(needs: Sequence[Need], lines: Iterable[Line]) -> float:
    """The objective of any allocation (for checks and comparisons)."""
    got: dict[int, int] = defaultdict(int)
    for line in lines:
        got[line.need] += line.quantity
    return sum(n.urgency * min(got[n.id], n.quantity) / n.quantity for n in needs)
