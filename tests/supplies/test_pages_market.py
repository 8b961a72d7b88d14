"""The supermarket's pages through the Django client: staff add a supplier, its account adds an
offer, an officer's need is allocated on the page (proven optimal, explained), orders are
issued, the supplier confirms, the officer receives in two parts and over-delivery is refused
at the field; other tenants get 404 and weaker roles 403."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from workgate.core.access import Actor
from workgate.core.models import Membership
from workgate.supplies import services
from workgate.supplies.models import (
    AllocationRun,
    Certification,
    Delivery,
    Material,
    Offer,
    Order,
    Stock,
    Supplier,
)

pytestmark = pytest.mark.django_db

SUPPLIERS = reverse("supplies:suppliers")
MY_OFFERS = reverse("supplies:my_offers")
ALLOCATION = reverse("supplies:allocation")
ORDERS = reverse("supplies:orders")


def en(world: World, persona: str) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(world.users[persona])
    return browser


def squash(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def actor(world: World, persona: str) -> Actor:
    return Actor.from_membership(Membership.objects.get(user=world.users[persona]))


@pytest.fixture
def area(world: World):
    staff = actor(world, "staff")
    services.ensure_catalogue(world.community.pk)
    north = services.save_area(staff, "北区")
    services.assign_area(staff, world.enterprise_a, north)
    return north


def add_supplier(world: World, area) -> Supplier:
    staff = en(world, "staff")
    r = staff.post(
        reverse("supplies:supplier_add"),
        {
            "name": "宁波康护医疗用品有限公司",
            "credit_code": "91330206MA2AFUBX4E",
            "contact_name": "钱经理",
            "contact_phone": "138 5740 1234",
            "areas": [area.pk],
            "account": world.users["supplier"].pk,
        },
    )
    sup = Supplier.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("supplies:supplier", args=[sup.pk])
    return sup


def test_demo_story(world: World, area) -> None:
    sup = add_supplier(world, area)
    assert list(sup.accounts.all()) == [world.users["supplier"]]
    assert list(sup.areas.all()) == [area]
    listing = squash(en(world, "staff").get(SUPPLIERS))
    assert "宁波康护医疗用品有限公司" in listing and "91330206MA2AFUBX4E" in listing

    # The supplier's account lands on its own offers and adds one.
    seller = en(world, "supplier")
    assert seller.get(SUPPLIERS)["Location"] == MY_OFFERS
    page = seller.get(MY_OFFERS)
    assert page.status_code == 200 and "宁波康护" in squash(page)
    mask = Material.objects.get(community=world.community, code="mask-medical")
    add = reverse("supplies:offer_save", args=[sup.pk])
    bad = seller.post(add, {"material": mask.pk, "quantity": "2.5", "unit_price": "0.80"})
    assert bad.status_code == 400 and "whole number" in squash(bad)
    r = seller.post(
        add,
        {
            "material": mask.pk,
            "quantity": "5,000",
            "unit_price": "0.80",
            "min_order": "100",
            "lead_days": "1",
            "active": "on",
        },
    )
    assert r.status_code == 302 and r["Location"] == MY_OFFERS
    offer = Offer.objects.get()
    assert (offer.quantity, str(offer.unit_price), offer.min_order) == (5000, "0.80", 100)

    # A certification: a PDF is kept, a text file named .pdf is refused by what it is.
    cert_url = reverse("supplies:certification_add", args=[sup.pk])
    fake = io.BytesIO(b"hello")
    fake.name = "licence.pdf"
    refused = seller.post(cert_url, {"title": "营业执照", "file": fake})
    assert refused.status_code == 400 and "not a PDF, JPEG or PNG" in squash(refused)
    pdf = io.BytesIO(b"%PDF-1.4\n%test\n")
    pdf.name = "licence.pdf"
    assert seller.post(cert_url, {"title": "营业执照", "file": pdf}).status_code == 302
    cert = Certification.objects.get()
    download = en(world, "staff").get(reverse("supplies:certification", args=[cert.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")

    # The officer posts a need; staff run the allocation on the page.
    need = services.post_need(actor(world, "officer_a"), world.enterprise_a, mask, 2000)
    staff = en(world, "staff")
    r = staff.post(reverse("supplies:allocation_run_now"))
    assert r.status_code == 302
    page = squash(staff.get(ALLOCATION))
    assert "proven optimal" in page
    assert "宁波康护医疗用品有限公司 delivers to this area within 1 days" in page
    assert "The need is met in full." in page
    assert "as much urgent need as first come, first served" in page
    run = AllocationRun.objects.get()
    assert 'id="allocation-data"' in staff.get(ALLOCATION).content.decode()

    # Issue the orders.
    r = staff.post(reverse("supplies:allocation_issue", args=[run.pk]))
    assert r.status_code == 302 and r["Location"] == ORDERS
    order = Order.objects.get()
    assert (order.need_id, order.quantity, order.supplier_id) == (need.pk, 2000, sup.pk)

    # The supplier confirms on the orders page.
    page = squash(seller.get(ORDERS))
    assert "Confirm the order" in page
    r = seller.post(reverse("supplies:order_confirm", args=[order.pk]), {"next": ORDERS})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == Order.State.CONFIRMED

    # The officer receives in two parts; more than is outstanding is refused at the field.
    officer = en(world, "officer_a")
    receive = reverse("supplies:order_receive", args=[order.pk])
    assert officer.post(receive, {"quantity": "1500", "note": "第一车"}).status_code == 302
    over = officer.post(receive, {"quantity": "600"})
    assert over.status_code == 400
    html = over.content.decode()
    assert 'data-testid="error-quantity"' in html
    assert "600 is more than is still to come on this order (500 of 2000)." in squash(over)
    assert officer.post(receive, {"quantity": "500"}).status_code == 302
    order.refresh_from_db()
    assert (order.state, order.delivered) == (Order.State.DELIVERED, 2000)
    assert Delivery.objects.filter(order=order).count() == 2
    page = squash(officer.get(ORDERS))
    assert "2,000 of 2,000" in page and "第一车" in page
    stock = Stock.objects.get(holder__enterprise=world.enterprise_a, material=mask)
    assert stock.quantity == 2000


def test_stale_offer_refused_on_page(world: World, area) -> None:
    sup = add_supplier(world, area)
    mask = Material.objects.get(community=world.community, code="mask-medical")
    supplier = actor(world, "supplier")
    offer = services.save_offer(
        supplier, sup, None, {"material": mask, "quantity": 500, "unit_price": "1.00"}
    )
    services.post_need(actor(world, "officer_a"), world.enterprise_a, mask, 100)
    staff = en(world, "staff")
    staff.post(reverse("supplies:allocation_run_now"))
    run = AllocationRun.objects.get()
    services.save_offer(supplier, sup, offer, {"unit_price": "1.50"})
    r = staff.post(reverse("supplies:allocation_issue", args=[run.pk]))
    assert r.status_code == 409
    assert "changed after the allocation was run" in squash(r)
    assert not Order.objects.exists()


def test_pin_conflict_shown(world: World, area) -> None:
    sup = add_supplier(world, area)
    mask = Material.objects.get(community=world.community, code="mask-medical")
    supplier = actor(world, "supplier")
    services.save_offer(
        supplier,
        sup,
        None,
        {"material": mask, "quantity": 500, "unit_price": "1.00", "min_order": 100},
    )
    services.post_need(actor(world, "officer_a"), world.enterprise_a, mask, 300)
    staff = en(world, "staff")
    staff.post(reverse("supplies:allocation_run_now"))
    line = AllocationRun.objects.get().lines.get()
    assert staff.post(
        reverse("supplies:allocation_rule", args=[line.pk]), {"kind": "pin", "quantity": "50"}
    ).status_code in (302, 400)
    r = staff.post(reverse("supplies:allocation_run_now"))
    assert r.status_code == 400
    assert "pinned lines cannot all hold" in squash(r)
    page = squash(staff.get(ALLOCATION))
    assert "Pinned:" in page


def test_tenants_and_roles(world: World, area) -> None:
    sup = add_supplier(world, area)
    mask = Material.objects.get(community=world.community, code="mask-medical")
    services.save_offer(
        actor(world, "supplier"), sup, None, {"material": mask, "quantity": 500, "unit_price": "1"}
    )
    services.post_need(actor(world, "officer_a"), world.enterprise_a, mask, 100)
    staff_actor = actor(world, "staff")
    run = services.run_allocation(staff_actor)
    [order] = services.issue_orders(staff_actor, run)
    detail = reverse("supplies:supplier", args=[sup.pk])
    run_url = reverse("supplies:allocation_run", args=[run.pk])
    order_url = reverse("supplies:order", args=[order.pk])

    outsider = en(world, "outsider_staff")
    assert outsider.get(detail).status_code == 404
    assert outsider.get(run_url).status_code == 404
    assert outsider.get(order_url).status_code == 404
    assert outsider.post(reverse("supplies:order_confirm", args=[order.pk])).status_code == 404
    assert "宁波康护" not in squash(outsider.get(SUPPLIERS))
    assert "宁波甲机械" not in squash(outsider.get(ORDERS))

    officer = en(world, "officer_a")
    assert officer.get(ALLOCATION).status_code == 403
    assert officer.get(SUPPLIERS).status_code == 403
    assert officer.get(order_url).status_code == 200
    assert en(world, "officer_b").get(order_url).status_code == 404
    for persona in ("gate_a", "employee_a", "volunteer"):
        assert en(world, persona).get(ORDERS).status_code == 403
    seller = en(world, "supplier")
    assert seller.get(ALLOCATION).status_code == 403
    assert seller.post(reverse("supplies:allocation_run_now")).status_code == 403

    # Another supplier of the same community: its page is not found for this account.
    other = services.save_supplier(
        staff_actor,
        None,
        {
            "name": "慈溪防护用品厂",
            "credit_code": "91330282MA2H0AB10A",
            "contact_name": "孙",
            "contact_phone": "13857409999",
        },
    )
    assert seller.get(reverse("supplies:supplier", args=[other.pk])).status_code == 404
    assert seller.get(detail).status_code == 200
    assert (
        seller.post(reverse("supplies:offer_save", args=[other.pk]), {"quantity": 1}).status_code
        == 404
    )
    assert en(world, "leader").get(ALLOCATION).status_code == 200
    assert en(world, "leader").post(reverse("supplies:allocation_run_now")).status_code == 403
    assert en(world, "leader").get(detail).status_code == 200
    assert (
        en(world, "leader")
        .post(reverse("supplies:supplier_edit", args=[sup.pk]), {"name": "x"})
        .status_code
        == 403
    )
