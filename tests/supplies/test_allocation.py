"""The allocation solver against an exhaustive search: on small instances every feasible integer
allocation is considered and the lexicographic optimum (most urgency-weighted need met, then the
least cost) must be what `solve` returns, with a proof that says so. Every result, optimal or
greedy, must be feasible: need and offer limits, the minimum order on an offer's total in the
run, eligibility (material, area, date), exclusions and pins."""

from __future__ import annotations

import random
from collections import defaultdict
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workgate.supplies.allocation import (
    Line,
    Need,
    Offer,
    PinConflict,
    eligible,
    greedy,
    solve,
    weighted_met,
)


def violations(
    needs: list[Need],
    offers: list[Offer],
    lines: list[Line],
    *,
    pins: dict[tuple[int, int], int] | None = None,
    excluded: set[tuple[int, int]] = frozenset(),
) -> list[str]:
    """Everything wrong with an allocation (empty when it is feasible)."""
    by_need = {n.id: n for n in needs}
    by_offer = {o.id: o for o in offers}
    out: list[str] = []
    per_pair: dict[tuple[int, int], int] = defaultdict(int)
    per_need: dict[int, int] = defaultdict(int)
    per_offer: dict[int, int] = defaultdict(int)
    for ln in lines:
        if ln.quantity <= 0:
            out.append(f"line {ln} has no quantity")
        need, offer = by_need.get(ln.need), by_offer.get(ln.offer)
        if need is None or offer is None:
            out.append(f"line {ln} names an unknown need or offer")
            continue
        if not eligible(need, offer):
            out.append(f"line {ln} is not eligible")
        if (ln.need, ln.offer) in excluded:
            out.append(f"line {ln} is excluded")
        per_pair[(ln.need, ln.offer)] += ln.quantity
        per_need[ln.need] += ln.quantity
        per_offer[ln.offer] += ln.quantity
    for n_id, got in per_need.items():
        if got > by_need[n_id].quantity:
            out.append(f"need {n_id} gets {got} > {by_need[n_id].quantity}")
    for o_id, given_ in per_offer.items():
        offer = by_offer[o_id]
        if given_ > offer.available:
            out.append(f"offer {o_id} gives {given_} > {offer.available}")
        if 0 < given_ < offer.min_order:
            out.append(f"offer {o_id} gives {given_} < minimum {offer.min_order}")
    for pair, qty in (pins or {}).items():
        if per_pair.get(pair, 0) != qty:
            out.append(f"pin {pair}={qty} not respected ({per_pair.get(pair, 0)})")
    return out


def cost_of(offers: list[Offer], lines: list[Line]) -> int:
    price = {o.id: o.price for o in offers}
    return sum(ln.quantity * price[ln.offer] for ln in lines)


def exact_met(needs: list[Need], lines: list[Line]) -> Fraction:
    got: dict[int, int] = defaultdict(int)
    for ln in lines:
        got[ln.need] += ln.quantity
    return sum(
        (Fraction(n.urgency) * min(got[n.id], n.quantity) / n.quantity for n in needs),
        Fraction(0),
    )


def brute_force(
    needs: list[Need],
    offers: list[Offer],
    *,
    pins: dict[tuple[int, int], int] | None = None,
    excluded: set[tuple[int, int]] = frozenset(),
) -> tuple[Fraction, int] | None:
    """The lexicographic optimum (max weighted met, then min cost) over every feasible integer
    allocation, exactly (fractions). Enumerated need by need: every way of splitting each need
    over its allowed offers, keeping per combination of offer totals the best partial value (the
    objective adds over needs and the offers' limits and minimum orders only see the totals, so
    this is the full enumeration with equal partial states merged). None if nothing is feasible
    (only possible with pins)."""
    pins = pins or {}
    o_index = {o.id: i for i, o in enumerate(offers)}
    # state: offer totals → best (weighted met, -cost)
    states: dict[tuple[int, ...], tuple[Fraction, int]] = {
        tuple(0 for _ in offers): (Fraction(0), 0)
    }
    for need in needs:
        allowed = [o for o in offers if eligible(need, o) and (need.id, o.id) not in excluded]
        # All splits of at most need.quantity over the allowed offers (pins fixed).
        splits: list[tuple[int, ...]] = []

        def rec(k: int, left: int, acc: list[int], allowed=allowed, need=need, splits=splits):
            if k == len(allowed):
                splits.append(tuple(acc))
                return
            o = allowed[k]
            pinned = pins.get((need.id, o.id))
            choices = [pinned] if pinned is not None else range(min(left, o.available) + 1)
            for q in choices:
                if q > left:
                    continue
                acc.append(q)
                rec(k + 1, left - q, acc)
                acc.pop()

        rec(0, need.quantity, [])
        if any(
            (need.id, o.id) in pins and o not in allowed for o in offers
        ):  # a pin on a pair that cannot be used
            return None
        new: dict[tuple[int, ...], tuple[Fraction, int]] = {}
        for totals, (met, neg_cost) in states.items():
            for split in splits:
                t = list(totals)
                add_cost = 0
                ok = True
                for o, q in zip(allowed, split, strict=True):
                    i = o_index[o.id]
                    t[i] += q
                    if t[i] > o.available:
                        ok = False
                        break
                    add_cost += q * o.price
                if not ok:
                    continue
                got = sum(split)
                value = (met + Fraction(need.urgency) * got / need.quantity, neg_cost - add_cost)
                key = tuple(t)
                if key not in new or value > new[key]:
                    new[key] = value
        states = new
    best = None
    for totals, value in states.items():
        if any(0 < t < o.min_order for t, o in zip(totals, offers, strict=True)):
            continue
        if best is None or value > best:
            best = value
    if best is None:
        return None
    return best[0], -best[1]


def check_against_brute_force(needs, offers, *, pins=None, excluded=frozenset()):
    result = solve(needs, offers, pins=pins, excluded=excluded)
    assert violations(needs, offers, result.lines, pins=pins, excluded=excluded) == []
    best = brute_force(needs, offers, pins=pins, excluded=excluded)
    assert best is not None
    met, cost = best
    proof = result.proof
    assert proof.optimal
    assert abs(weighted_met(needs, result.lines) - float(met)) < 1e-9
    assert exact_met(needs, result.lines) == met
    assert cost_of(offers, result.lines) == cost
    assert abs(proof.weighted_met - float(met)) < 1e-6
    assert proof.cost == cost
    return result


# --- Random small instances ------------------------------------------------------------------


@st.composite
def instances(draw, *, materials: int = 1):
    n_needs = draw(st.integers(1, 3))
    n_offers = draw(st.integers(1, 3))
    areas = [1, 2, 3]
    needs = [
        Need(
            id=i + 1,
            material=draw(st.integers(1, materials)),
            quantity=draw(st.integers(1, 6)),
            urgency=float(draw(st.integers(1, 5))),
            area=draw(st.sampled_from([*areas, None])),
            by_day=draw(st.one_of(st.none(), st.integers(0, 4))),
            order=i,
        )
        for i in range(n_needs)
    ]
    offers = [
        Offer(
            id=100 + j,
            material=draw(st.integers(1, materials)),
            available=draw(st.integers(1, 6)),
            min_order=draw(st.integers(1, 4)),
            price=draw(st.integers(0, 9)),
            lead_days=draw(st.integers(0, 4)),
            areas=draw(st.one_of(st.none(), st.frozensets(st.sampled_from(areas), min_size=1))),
            order=j,
        )
        for j in range(n_offers)
    ]
    return needs, offers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(materials=2))
def test_solve_matches_brute_force(inst):
    needs, offers = inst
    result = check_against_brute_force(needs, offers)
    proof = result.proof
    assert abs(proof.weighted_bound - proof.weighted_met) < 1e-6
    assert proof.cost_bound == proof.cost


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.data())
def test_solve_with_exclusions_matches_brute_force(inst, data):
    needs, offers = inst
    pairs = [(n.id, o.id) for n in needs for o in offers if eligible(n, o)]
    excluded = set(data.draw(st.lists(st.sampled_from(pairs), unique=True))) if pairs else set()
    check_against_brute_force(needs, offers, excluded=excluded)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.data())
def test_solve_with_pins_matches_brute_force(inst, data):
    needs, offers = inst
    pairs = [(n.id, o.id) for n in needs for o in offers if eligible(n, o)]
    if not pairs:
        return
    pair = data.draw(st.sampled_from(pairs))
    n = next(n for n in needs if n.id == pair[0])
    o = next(o for o in offers if o.id == pair[1])
    top = min(n.quantity, o.available)
    if top < o.min_order:
        with pytest.raises(PinConflict):
            solve(needs, offers, pins={pair: top})
        return
    qty = data.draw(st.integers(o.min_order, top))
    check_against_brute_force(needs, offers, pins={pair: qty})


@settings(max_examples=100, deadline=None)
@given(instances(materials=2))
def test_greedy_feasible_and_never_better(inst):
    needs, offers = inst
    g = greedy(needs, offers)
    assert violations(needs, offers, g.lines) == []
    best = solve(needs, offers)
    assert exact_met(needs, g.lines) <= exact_met(needs, best.lines)
    assert g.proof.weighted_met <= best.proof.weighted_met + 1e-9
    assert not g.proof.optimal


# --- Hand-written cases ------------------------------------------------------------------------


def test_minimum_order_makes_the_cheaper_offer_useless():
    needs = [Need(1, 1, 30, 1.0), Need(2, 1, 20, 1.0)]
    cheap = Offer(10, 1, available=1000, min_order=100, price=50)
    dear = Offer(11, 1, available=1000, min_order=1, price=80)
    result = check_against_brute_force(needs, [cheap, dear])
    assert {ln.offer for ln in result.lines} == {11}
    assert result.proof.cost == 50 * 80


def test_minimum_order_is_on_the_total_not_per_line():
    # Each need alone is under the minimum of 40; together they reach it.
    needs = [Need(1, 1, 25, 1.0), Need(2, 1, 20, 1.0)]
    cheap = Offer(10, 1, available=100, min_order=40, price=50)
    dear = Offer(11, 1, available=100, min_order=1, price=80)
    result = check_against_brute_force(needs, [cheap, dear])
    assert {ln.offer for ln in result.lines} == {10}
    assert result.proof.cost == 45 * 50


def test_deadline_rules_out_the_slow_cheap_supplier():
    needs = [Need(1, 1, 10, 3.0, by_day=2)]
    slow = Offer(10, 1, available=100, min_order=1, price=10, lead_days=5)
    fast = Offer(11, 1, available=100, min_order=1, price=90, lead_days=1)
    result = check_against_brute_force(needs, [slow, fast])
    assert result.lines == [Line(1, 11, 10)]
    # Without a date the slow one is cheaper and wins.
    result = solve([Need(1, 1, 10, 3.0)], [slow, fast])
    assert result.lines == [Line(1, 10, 10)]


def test_area_exclusion():
    needs = [Need(1, 1, 10, 1.0, area=1), Need(2, 1, 10, 1.0, area=2)]
    north_only = Offer(10, 1, available=100, min_order=1, price=10, areas=frozenset({1}))
    result = check_against_brute_force(needs, [north_only])
    assert result.lines == [Line(1, 10, 10)]
    # A need with no area is only served by offers that deliver everywhere.
    result = solve([Need(3, 1, 5, 1.0, area=None)], [north_only])
    assert result.lines == []


def test_reserve_at_price_zero_is_used_first():
    needs = [Need(1, 1, 10, 1.0), Need(2, 1, 10, 2.0)]
    reserve = Offer(-1, 1, available=12, min_order=0, price=0)
    market = Offer(10, 1, available=100, min_order=1, price=70)
    result = check_against_brute_force(needs, [reserve, market])
    got = defaultdict(int)
    for ln in result.lines:
        got[ln.offer] += ln.quantity
    assert got == {-1: 12, 10: 8}
    assert result.proof.cost == 8 * 70


def test_tie_on_need_met_goes_to_the_cheaper():
    needs = [Need(1, 1, 10, 1.0)]
    offers = [
        Offer(10, 1, available=10, min_order=1, price=90),
        Offer(11, 1, available=10, min_order=1, price=60),
        Offer(12, 1, available=10, min_order=1, price=75),
    ]
    result = check_against_brute_force(needs, offers)
    assert result.lines == [Line(1, 11, 10)]
    assert result.proof.cost == result.proof.cost_bound == 600


def test_urgency_decides_who_gets_scarce_stock():
    needs = [Need(1, 1, 10, 1.0), Need(2, 1, 10, 5.0)]
    offers = [Offer(10, 1, available=10, min_order=1, price=10)]
    result = check_against_brute_force(needs, offers)
    assert result.lines == [Line(2, 10, 10)]


def test_pins_and_exclusions_honoured():
    needs = [Need(1, 1, 10, 1.0), Need(2, 1, 10, 1.0)]
    cheap = Offer(10, 1, available=20, min_order=1, price=10)
    dear = Offer(11, 1, available=20, min_order=1, price=50)
    pins = {(1, 11): 4}
    excluded = {(2, 10)}
    result = check_against_brute_force(needs, [cheap, dear], pins=pins, excluded=excluded)
    lines = {(ln.need, ln.offer): ln.quantity for ln in result.lines}
    assert lines == {(1, 11): 4, (1, 10): 6, (2, 11): 10}
    p = result.proof
    assert p.optimal and abs(p.weighted_bound - p.weighted_met) < 1e-9
    assert p.cost == p.cost_bound == 4 * 50 + 6 * 10 + 10 * 50


def test_pin_fixes_the_quantity_of_its_line():
    # Pinned at 3 from the dear offer: the need gets its other 7 elsewhere, not more from it.
    needs = [Need(1, 1, 10, 1.0)]
    cheap = Offer(10, 1, available=5, min_order=1, price=10)
    dear = Offer(11, 1, available=20, min_order=1, price=50)
    result = check_against_brute_force(needs, [cheap, dear], pins={(1, 11): 3})
    lines = {(ln.need, ln.offer): ln.quantity for ln in result.lines}
    assert lines == {(1, 11): 3, (1, 10): 5}


def test_conflicting_pins_raise_with_codes():
    needs = [Need(1, 1, 10, 1.0, area=1), Need(2, 1, 10, 1.0, area=2)]
    offers = [
        Offer(10, 1, available=12, min_order=5, price=10),
        Offer(11, 1, available=50, min_order=1, price=10, areas=frozenset({1})),
    ]
    with pytest.raises(PinConflict) as exc:
        solve(needs, offers, pins={(1, 10): 8, (2, 10): 8})
    assert ("offer_short", 0, 10) in exc.value.problems
    with pytest.raises(PinConflict) as exc:
        solve(needs, offers, pins={(1, 10): 3})
    assert exc.value.problems == [("under_minimum", 1, 10)]
    with pytest.raises(PinConflict) as exc:
        solve(needs, offers, pins={(2, 11): 5})
    assert exc.value.problems == [("ineligible", 2, 11)]
    with pytest.raises(PinConflict) as exc:
        solve(needs, offers, pins={(1, 10): 6, (1, 11): 6})
    assert exc.value.problems == [("need_exceeded", 1, 0)]
    with pytest.raises(PinConflict) as exc:
        solve(needs, offers, pins={(1, 99): 6})
    assert exc.value.problems == [("ineligible", 1, 99)]


def test_greedy_loses_where_order_of_posting_misleads():
    # The first-posted, least urgent need takes the only stock under first come, first served.
    needs = [Need(1, 1, 10, 1.0, order=0), Need(2, 1, 10, 5.0, order=1)]
    offers = [Offer(10, 1, available=10, min_order=1, price=10)]
    g = greedy(needs, offers)
    best = solve(needs, offers)
    assert violations(needs, offers, g.lines) == []
    assert g.proof.weighted_met < best.proof.weighted_met


# --- A larger instance ---------------------------------------------------------------------------


def test_large_random_instance_is_proved_optimal_and_feasible():
    rng = random.Random(20200224)
    areas = list(range(1, 9))
    needs = [
        Need(
            id=i + 1,
            material=rng.randint(1, 3),
            quantity=rng.randint(50, 3000),
            urgency=float(rng.choice([1, 2, 3, 5, 8])),
            area=rng.choice(areas),
            by_day=rng.choice([None, 1, 2, 3, 5, 7]),
            order=i,
        )
        for i in range(300)
    ]
    offers = [
        Offer(
            id=1000 + j,
            material=rng.randint(1, 3),
            available=rng.randint(500, 20000),
            min_order=rng.choice([1, 100, 500, 1000, 5000]),
            price=rng.randint(30, 400),
            lead_days=rng.randint(0, 6),
            areas=None if rng.random() < 0.3 else frozenset(rng.sample(areas, rng.randint(1, 4))),
            order=j,
        )
        for j in range(60)
    ]
    pairs = [(n.id, o.id) for n in needs for o in offers if eligible(n, o)]
    excluded = set(rng.sample(pairs, 20))
    result = solve(needs, offers, excluded=excluded)
    p = result.proof
    assert p.optimal, p.status
    assert violations(needs, offers, result.lines, excluded=excluded) == []
    assert abs(weighted_met(needs, result.lines) - p.weighted_met) < 1e-6
    assert p.weighted_bound <= p.weighted_met * (1 + 1e-8) + 1e-9
    assert p.cost == cost_of(offers, result.lines)
    assert p.cost_bound <= p.cost
    g = greedy(needs, offers)
    assert violations(needs, offers, g.lines) == []
    assert g.proof.weighted_met <= p.weighted_met + 1e-6
