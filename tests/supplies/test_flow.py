"""The supermarket end to end through the services: a need, an offer, the optimal allocation
explained, orders issued, the supplier confirms, the enterprise receives and its stock rises."""

from __future__ import annotations

import pytest
from django.utils import translation

from workgate.core.access import Actor
from workgate.core.models import Membership
from workgate.core.services import ServiceError
from workgate.supplies import services
from workgate.supplies.explain import describe
from workgate.supplies.models import LedgerEntry, Order, Stock


def actor(world, persona: str) -> Actor:
    m = Membership.objects.get(user=world.users[persona])
    return Actor.from_membership(m)


@pytest.fixture
def market(world):
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
    return staff, mats, sup


def test_need_to_stock(world, market):
    staff, mats, sup = market
    officer = actor(world, "officer_a")
    supplier = actor(world, "supplier")
    mask = mats["mask-medical"]
    offer = services.save_offer(
        supplier,
        sup,
        None,
        {
            "material": mask,
            "quantity": "5,000",
            "unit_price": "0.80",
            "min_order": "1000",
            "lead_days": 1,
        },
    )
    need = services.post_need(officer, world.enterprise_a, mask, "２０００")
    assert need.quantity == 2000
    run = services.run_allocation(staff)
    assert run.optimal
    line = run.lines.get()
    assert (line.need_id, line.offer_id, line.quantity) == (need.pk, offer.pk, 2000)
    with translation.override("en"):
        text = " ".join(describe(line.why, sup.name))
    assert "宁波康护" in text and "met in full" in text
    [order] = services.issue_orders(staff, run)
    offer.refresh_from_db()
    assert offer.quantity == 3000
    with pytest.raises(ServiceError, match="not confirmed"):
        services.receive(officer, order, 500)
    services.confirm_order(supplier, order)
    with pytest.raises(ServiceError, match="more than is still to come"):
        services.receive(officer, order, 2500)
    services.receive(officer, order, 1500)
    services.receive(officer, order, 500)
    order.refresh_from_db()
    assert order.state == Order.State.DELIVERED
    stock = Stock.objects.get(holder__enterprise=world.enterprise_a, material=mask)
    assert stock.quantity == 2000
    assert (
        sum(LedgerEntry.objects.filter(holder=stock.holder).values_list("quantity", flat=True))
        == 2000
    )


def test_stale_offer_refused(world, market):
    staff, mats, sup = market
    supplier = actor(world, "supplier")
    mask = mats["mask-medical"]
    offer = services.save_offer(
        supplier, sup, None, {"material": mask, "quantity": 5000, "unit_price": "0.80"}
    )
    services.post_need(actor(world, "officer_a"), world.enterprise_a, mask, 100)
    run = services.run_allocation(staff)
    services.save_offer(supplier, sup, offer, {"unit_price": "1.20"})
    with pytest.raises(ServiceError, match="changed after the allocation"):
        services.issue_orders(staff, run)
    assert not Order.objects.exists()


@pytest.mark.parametrize("value", ["2.5", "-3", "ten", "", 0])
def test_bad_counts(world, market, value):
    _staff, mats, _sup = market
    with pytest.raises(ServiceError):
        services.post_need(
            actor(world, "officer_a"), world.enterprise_a, mats["mask-medical"], value
        )


def test_resumption_reads_mask_stock_from_the_ledger(world, market):
    """Once an enterprise keeps a ledger, the "days of mask stock" condition reads it instead of
    the figure typed into the resumption form."""
    from workgate.resumption.conditions import judge
    from workgate.resumption.models import Indicator
    from workgate.resumption.services import conditions_ensure

    _staff, mats, _sup = market
    conditions_ensure(world.community.pk)
    officer = actor(world, "officer_a")

    def mask_result():
        [r] = [
            r
            for r in judge(world.enterprise_a).results
            if r.condition.indicator == Indicator.MASK_DAYS
        ]
        return r

    with translation.override("en"):
        assert "Enter the masks" in mask_result().reason
    holder = services.holder_of(world.community.pk, world.enterprise_a.pk)
    services.record_movement(officer, holder, mats["mask-kn95"], "received", 300)
    services.record_movement(officer, holder, mats["mask-medical"], "received", 200)
    services.record_movement(officer, holder, mats["mask-medical"], "consumed", 100)
    r = mask_result()
    assert r.source == "auto"
    # 400 masks for 1 person at 2 a day: 200 days.
    assert r.met and "200" in r.value


def test_unmet_needs_say_why(world, market):
    """A need the run could not serve says why: the area, the date, or the material."""
    from workgate.supplies.queries import unmet_needs

    staff, mats, sup = market
    supplier = actor(world, "supplier")
    services.save_offer(
        supplier,
        sup,
        None,
        {"material": mats["mask-medical"], "quantity": 100, "unit_price": "0.80", "lead_days": 3},
    )
    south = services.save_area(staff, "南区")
    services.assign_area(staff, world.enterprise_b, south)  # the supplier delivers to 北区 only
    today = services.local_today(world.community.pk)
    soon = services.post_need(
        actor(world, "officer_a"), world.enterprise_a, mats["mask-medical"], 50, by_date=today
    )
    far = services.post_need(
        actor(world, "officer_b"), world.enterprise_b, mats["mask-medical"], 50
    )
    gloves = services.post_need(actor(world, "officer_a"), world.enterprise_a, mats["gloves"], 10)
    run = services.run_allocation(staff)
    assert not run.lines.exists()
    why = {row["need"].pk: row["why"] for row in unmet_needs(run)}
    assert why[soon.pk] == (
        "No offer reaches it by the date it is needed; the fastest takes 3 days."
    )
    assert why[far.pk] == "No offer of this material delivers to its area."
    assert why[gloves.pk] == "No supplier offers this material."


def test_durable_urgency_counts_what_is_missing(world, market):
    """A thermometer need weighs ×3 when the enterprise has none, and says so."""
    staff, mats, sup = market
    services.save_offer(
        actor(world, "supplier"),
        sup,
        None,
        {"material": mats["thermometer-forehead"], "quantity": 5, "unit_price": "98"},
    )
    services.post_need(
        actor(world, "officer_a"), world.enterprise_a, mats["thermometer-forehead"], 1
    )
    run = services.run_allocation(staff)
    line = run.lines.get()
    assert line.urgency == 3  # 1 person on duty × 3
    text = " ".join(describe(line.why, sup.name))
    assert "× 3 because it has 0 of the 1 it needs" in text


def test_allocation_page_filters_lines(world, market):
    staff, mats, sup = market
    services.save_offer(
        actor(world, "supplier"),
        sup,
        None,
        {"material": mats["mask-medical"], "quantity": 500, "unit_price": "1"},
    )
    services.post_need(actor(world, "officer_a"), world.enterprise_a, mats["mask-medical"], 50)
    services.post_need(actor(world, "officer_b"), world.enterprise_b, mats["mask-medical"], 50)
    services.run_allocation(staff)
    client = world.client("staff")
    page = client.get("/supplies/allocation/", {"q": "乙电子"}, HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert page.status_code == 200
    assert "宁波乙电子有限公司" in body and "宁波甲机械有限公司" not in body
    assert "1 line" in body
