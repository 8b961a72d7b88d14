"""Simultaneous taps on PostgreSQL, each on its own connection: a run's orders are issued once;
deliveries that together exceed the order are refused beyond it; two runs issued at once do not
sell an offer twice; stock stays the sum of its ledger."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db.models import Sum

from tests.resumption.test_concurrency import race
from tests.supplies.test_flow import actor, market  # noqa: F401 - market is the fixture
from workgate.core.services import ServiceError
from workgate.supplies import services
from workgate.supplies.models import LedgerEntry, Offer, Order, Stock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite serialises writers; the race needs two server connections",
    ),
]


@pytest.fixture
def offered(world, market):  # noqa: F811
    staff, mats, sup = market
    offer = services.save_offer(
        actor(world, "supplier"),
        sup,
        None,
        {"material": mats["mask-medical"], "quantity": 1000, "unit_price": "0.80"},
    )
    return staff, mats["mask-medical"], offer


@pytest.mark.parametrize("taps", [2, 4])
def test_issue_taps_make_orders_once(world, offered, taps):
    staff, mask, offer = offered
    services.post_need(actor(world, "officer_a"), world.enterprise_a, mask, 300)
    run = services.run_allocation(staff)
    done, errors = race(taps, lambda: services.issue_orders(staff, run))
    assert len(done) == 1
    assert all(isinstance(e, ServiceError) and e.code == "already" for e in errors)
    assert Order.objects.count() == 1
    offer.refresh_from_db()
    assert offer.quantity == 700


def test_simultaneous_deliveries_never_exceed_the_order(world, offered):
    staff, mask, _offer = offered
    services.post_need(actor(world, "officer_a"), world.enterprise_a, mask, 300)
    [order] = services.issue_orders(staff, services.run_allocation(staff))
    services.confirm_order(actor(world, "supplier"), order)
    officer = actor(world, "officer_a")
    done, errors = race(4, lambda: services.receive(officer, order, 100))
    assert len(done) == 3
    assert len(errors) == 1 and isinstance(errors[0], ServiceError)
    order.refresh_from_db()
    assert (order.delivered, order.state) == (300, Order.State.DELIVERED)
    stock = Stock.objects.get(holder__enterprise=world.enterprise_a, material=mask)
    ledger = LedgerEntry.objects.filter(holder=stock.holder, material=mask)
    assert stock.quantity == 300 == ledger.aggregate(n=Sum("quantity"))["n"]


def test_two_movements_at_once_keep_stock_equal_to_the_ledger(world, offered):
    _staff, mask, _offer = offered
    officer = actor(world, "officer_a")
    holder = services.holder_of(world.community.pk, world.enterprise_a.pk)
    services.record_movement(officer, holder, mask, "received", 100)
    done, errors = race(4, lambda: services.record_movement(officer, holder, mask, "consumed", 30))
    # 100 in stock: three uses of 30 fit, the fourth is refused.
    assert len(done) == 3 and len(errors) == 1
    stock = Stock.objects.get(holder=holder, material=mask)
    assert stock.quantity == 10
    entries = list(LedgerEntry.objects.filter(holder=holder, material=mask).order_by("pk"))
    assert sum(e.quantity for e in entries) == 10
    running = 0
    for e in entries:
        running += e.quantity
        assert e.balance == running
    assert Offer.objects.count() == 1
