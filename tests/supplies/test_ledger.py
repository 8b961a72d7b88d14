"""The stock ledger through the services: whatever happens (stock received, used, counted,
handed out at the gate, ordered, delivered in parts, cancelled), every stock figure is the sum of
its entries, every entry's balance is the running sum, and a refused operation writes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.factories import make_employee
from workgate.core.access import Actor
from workgate.core.models import Membership
from workgate.core.services import ServiceError
from workgate.health import partitions
from workgate.health.models import Check
from workgate.supplies import services
from workgate.supplies.models import (
    Delivery,
    Holder,
    LedgerEntry,
    Material,
    Need,
    Offer,
    Order,
    Stock,
)

Kind = LedgerEntry.Kind


def actor(world, persona: str) -> Actor:
    return Actor.from_membership(Membership.objects.get(user=world.users[persona]))


@dataclass
class Market:
    world: object
    staff: Actor
    supplier_actor: Actor
    mask: Material  # the gate's material
    gel: Material
    holders: list[Holder]  # enterprise A, enterprise B, the community reserve
    employees: dict[int, object]  # enterprise id → an employee (for gate checks)
    today: dt.date

    def enterprises(self):
        return [self.world.enterprise_a, self.world.enterprise_b]


@pytest.fixture
def market(world) -> Market:
    staff = actor(world, "staff")
    mats = {m.code: m for m in services.ensure_catalogue(world.community.pk)}
    north = services.save_area(staff, "北区")
    services.assign_area(staff, world.enterprise_a, north)
    services.assign_area(staff, world.enterprise_b, north)
    sup = services.save_supplier(
        staff,
        None,
        {
            "name": "宁波康护医疗用品有限公司",
            "credit_code": "91330206MA2AFUBX4E",
            "contact_name": "钱经理",
            "contact_phone": "138 5740 1234",
        },
        areas=[north],
    )
    sup.accounts.add(world.users["supplier"])
    supplier_actor = actor(world, "supplier")
    mask = services.settings_for(world.community.pk).gate_material
    assert mask is not None
    gel = mats["gloves"]
    for material, minimum in ((mask, 1), (gel, 10)):
        services.save_offer(
            supplier_actor,
            sup,
            None,
            {
                "material": material,
                "quantity": 400,
                "unit_price": "0.80",
                "min_order": minimum,
                "lead_days": 0,
            },
        )
    holders = [
        services.holder_of(world.community.pk, world.enterprise_a.pk),
        services.holder_of(world.community.pk, world.enterprise_b.pk),
        services.holder_of(world.community.pk, None),
    ]
    employees = {
        ent.pk: make_employee(ent, name=f"员工{i}")
        for i, ent in enumerate([world.enterprise_a, world.enterprise_b])
    }
    today = services.local_today(world.community.pk)
    partitions.ensure([today - dt.timedelta(days=k) for k in range(4)])
    return Market(world, staff, supplier_actor, mask, gel, holders, employees, today)


def add_check(m: Market, enterprise, day: dt.date, masks: int) -> None:
    Check.objects.create(
        taken_on=day,
        uuid=uuid.uuid4(),
        taken_at=timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30))),
        community_id=m.world.community.pk,
        enterprise_id=enterprise.pk,
        employee=m.employees[enterprise.pk],
        kind=Check.Kind.GATE,
        round_no=1,
        temperature=Decimal("36.5"),
        masks_issued=masks,
        source=Check.Source.STATION,
    )


# --- The invariants ----------------------------------------------------------------------------


def assert_ledger_consistent() -> None:
    sums: dict[tuple[int, int], int] = defaultdict(int)
    for entry in LedgerEntry.objects.order_by("pk"):
        key = (entry.holder_id, entry.material_id)
        sums[key] += entry.quantity
        assert entry.balance == sums[key], f"entry {entry.pk} balance {entry.balance}"
    stocks = {(s.holder_id, s.material_id): s.quantity for s in Stock.objects.all()}
    for key, total in sums.items():
        assert stocks.get(key) == total, f"stock {key} is {stocks.get(key)}, entries sum {total}"
    for key, quantity in stocks.items():
        assert quantity == sums.get(key, 0), f"stock {key} without matching entries"


def snapshot() -> dict:
    return {
        "stock": sorted(Stock.objects.values_list("holder_id", "material_id", "quantity")),
        "entries": LedgerEntry.objects.count(),
        "deliveries": Delivery.objects.count(),
        "orders": sorted(Order.objects.values_list("pk", "state", "delivered")),
        "offers": sorted(Offer.objects.values_list("pk", "quantity", "version")),
        "needs": sorted(Need.objects.values_list("pk", "ordered", "state")),
    }


# --- Random operations -------------------------------------------------------------------------

holder_i = st.integers(0, 2)
material_i = st.integers(0, 1)
enterprise_i = st.integers(0, 1)
operations = st.one_of(
    st.tuples(st.just("receive"), holder_i, material_i, st.integers(1, 60)),
    st.tuples(st.just("consume"), holder_i, material_i, st.integers(1, 60)),
    st.tuples(st.just("count"), holder_i, material_i, st.integers(0, 80)),
    st.tuples(st.just("check"), enterprise_i, st.integers(0, 2), st.integers(1, 6)),
    st.tuples(st.just("gate")),
    st.tuples(st.just("order"), enterprise_i, material_i, st.integers(1, 40)),
    st.tuples(st.just("deliver"), st.integers(0, 20), st.integers(1, 30)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
)


def apply(m: Market, op: tuple) -> None:
    kind, *args = op
    mats = [m.mask, m.gel]
    if kind in ("receive", "consume", "count"):
        h, mat, qty = args
        movement = {"receive": Kind.RECEIVED, "consume": Kind.CONSUMED, "count": Kind.ADJUSTED}
        services.record_movement(
            m.staff, m.holders[h], mats[mat], movement[kind], qty, note="盘点 stocktake"
        )
    elif kind == "check":
        ent, back, masks = args
        add_check(m, m.enterprises()[ent], m.today - dt.timedelta(days=back), masks)
    elif kind == "gate":
        services.gate_draw(m.world.community.pk, today=m.today)
    elif kind == "order":
        ent, mat, qty = args
        services.post_need(m.staff, m.enterprises()[ent], mats[mat], qty)
        run = services.run_allocation(m.staff)
        for order in services.issue_orders(m.staff, run):
            if not order.from_reserve:
                services.confirm_order(m.supplier_actor, order)
    elif kind in ("deliver", "cancel"):
        open_orders = list(
            Order.objects.filter(
                state__in=[Order.State.ISSUED, Order.State.CONFIRMED, Order.State.PARTLY]
            ).order_by("pk")
        )
        if not open_orders:
            return
        order = open_orders[args[0] % len(open_orders)]
        if kind == "deliver":
            services.receive(m.staff, order, args[1])
        else:
            services.cancel_order(m.staff, order, "供应商缺货 out of stock")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=12))
def test_random_operations_keep_the_ledger_consistent(market, ops):
    with transaction.atomic():
        for op in ops:
            before = snapshot()
            try:
                apply(market, op)
                event(f"{op[0]} done")
            except ServiceError:
                event(f"{op[0]} refused")
                assert snapshot() == before, f"refused {op} changed something"
            assert_ledger_consistent()
        transaction.set_rollback(True)


# --- The gate draw --------------------------------------------------------------------------------


def gate_entries(m: Market) -> list[tuple[int, dt.date, int]]:
    return sorted(
        LedgerEntry.objects.filter(kind=Kind.GATE, material=m.mask).values_list(
            "holder__enterprise_id", "day", "quantity"
        )
    )


def test_gate_draw_once_per_day_and_late_checks(market):
    m = market
    a, b = m.enterprises()
    yesterday = m.today - dt.timedelta(days=1)
    services.record_movement(m.staff, m.holders[0], m.mask, Kind.RECEIVED, 100)
    add_check(m, a, yesterday, 2)
    add_check(m, a, yesterday, 1)
    add_check(m, a, m.today, 4)
    add_check(m, b, m.today, 5)
    assert services.gate_draw(m.world.community.pk, today=m.today) == 3
    assert gate_entries(m) == [(a.pk, yesterday, -3), (a.pk, m.today, -4), (b.pk, m.today, -5)]
    assert_ledger_consistent()
    assert Stock.objects.get(holder=m.holders[0], material=m.mask).quantity == 93
    # Enterprise B had no masks in stock: the gate still handed them out; the ledger says so.
    assert Stock.objects.get(holder=m.holders[1], material=m.mask).quantity == -5

    # Running again draws nothing twice.
    assert services.gate_draw(m.world.community.pk, today=m.today) == 0
    assert len(gate_entries(m)) == 3

    # A late upload from an offline gate for yesterday: only the difference is drawn.
    add_check(m, a, yesterday, 2)
    assert services.gate_draw(m.world.community.pk, today=m.today) == 1
    assert gate_entries(m) == [
        (a.pk, yesterday, -3),
        (a.pk, yesterday, -2),
        (a.pk, m.today, -4),
        (b.pk, m.today, -5),
    ]
    assert_ledger_consistent()
    assert Stock.objects.get(holder=m.holders[0], material=m.mask).quantity == 91


def test_gate_draw_ignores_other_materials_and_days_out_of_window(market):
    m = market
    a = m.world.enterprise_a
    add_check(m, a, m.today - dt.timedelta(days=3), 7)  # outside the 3-day window
    assert services.gate_draw(m.world.community.pk, today=m.today) == 0
    assert gate_entries(m) == []


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-3", -3, "2.5", 0, "0", "ten", "", None, True])
def test_bad_counts_refused_and_nothing_written(market, value):
    m = market
    before = snapshot()
    with pytest.raises(ServiceError) as exc:
        services.record_movement(m.staff, m.holders[0], m.gel, Kind.RECEIVED, value)
    assert exc.value.field == "quantity"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("value", "expected"), [("１０００", 1000), ("1,000", 1000), (" 500 ", 500), ("1，000", 1000)]
)
def test_counts_as_people_type_them(market, value, expected):
    m = market
    entry = services.record_movement(m.staff, m.holders[0], m.gel, Kind.RECEIVED, value)
    assert entry.quantity == expected
    assert Stock.objects.get(holder=m.holders[0], material=m.gel).quantity == expected
    assert_ledger_consistent()


def test_consumption_beyond_stock_names_what_is_in_stock(market):
    m = market
    services.record_movement(m.staff, m.holders[0], m.gel, Kind.RECEIVED, 30)
    before = snapshot()
    with pytest.raises(ServiceError) as exc:
        services.record_movement(m.staff, m.holders[0], m.gel, Kind.CONSUMED, 31)
    message = exc.value.message
    assert "30" in message and (m.gel.name_en or m.gel.name) in message and "31" in message
    assert snapshot() == before
    services.record_movement(m.staff, m.holders[0], m.gel, Kind.CONSUMED, 30)
    assert Stock.objects.get(holder=m.holders[0], material=m.gel).quantity == 0
    assert_ledger_consistent()


def test_stocktake_needs_a_note_and_a_difference(market):
    m = market
    services.record_movement(m.staff, m.holders[0], m.gel, Kind.RECEIVED, 30)
    before = snapshot()
    with pytest.raises(ServiceError) as exc:
        services.record_movement(m.staff, m.holders[0], m.gel, Kind.ADJUSTED, 25)
    assert exc.value.field == "note"
    with pytest.raises(ServiceError):
        services.record_movement(m.staff, m.holders[0], m.gel, Kind.ADJUSTED, 30, note="盘点")
    assert snapshot() == before
    entry = services.record_movement(m.staff, m.holders[0], m.gel, Kind.ADJUSTED, 25, note="盘点")
    assert (entry.quantity, entry.balance) == (-5, 25)
    assert_ledger_consistent()


def _ordered(m: Market, qty: int) -> Order:
    services.post_need(m.staff, m.world.enterprise_a, m.mask, qty)
    run = services.run_allocation(m.staff)
    [order] = services.issue_orders(m.staff, run)
    services.confirm_order(m.supplier_actor, order)
    order.refresh_from_db()
    return order


def test_delivery_larger_than_outstanding_refused(market):
    m = market
    order = _ordered(m, 50)
    services.receive(m.staff, order, 20)
    before = snapshot()
    with pytest.raises(ServiceError, match="more than is still to come"):
        services.receive(m.staff, order, 31)
    assert snapshot() == before
    services.receive(m.staff, order, 30)
    order.refresh_from_db()
    assert order.state == Order.State.DELIVERED
    with pytest.raises(ServiceError):
        services.receive(m.staff, order, 1)
    assert Stock.objects.get(holder=m.holders[0], material=m.mask).quantity == 50
    assert_ledger_consistent()


def test_cancelled_order_returns_to_offer_and_writes_no_stock(market):
    m = market
    order = _ordered(m, 40)
    offer = Offer.objects.get(pk=order.offer_id)
    assert offer.quantity == 360
    services.receive(m.staff, order, 15)
    services.cancel_order(m.staff, order, "供应商缺货")
    order.refresh_from_db()
    offer.refresh_from_db()
    assert order.state == Order.State.CLOSED
    assert offer.quantity == 385
    need = Need.objects.get(pk=order.need_id)
    assert need.ordered == 15
    assert Stock.objects.get(holder=m.holders[0], material=m.mask).quantity == 15
    assert_ledger_consistent()


def test_issue_after_supplier_edited_offer_writes_nothing(market):
    m = market
    services.post_need(m.staff, m.world.enterprise_a, m.mask, 30)
    run = services.run_allocation(m.staff)
    offer = Offer.objects.get(material=m.mask)
    services.save_offer(m.supplier_actor, offer.supplier, offer, {"quantity": 350})
    before = snapshot()
    with pytest.raises(ServiceError, match="changed after the allocation"):
        services.issue_orders(m.staff, run)
    assert snapshot() == before
    assert not Order.objects.exists()
    run.refresh_from_db()
    assert run.issued_at is None
