"""The supermarket in a real Chromium: staff run the allocation and see it proven optimal and
explained, issue the orders; the supplier confirms on a phone; the officer receives on a phone
and the enterprise's masks last longer."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.supplies.test_flow import actor
from tests.test_browser_registry import sign_in
from workgate.supplies import services
from workgate.supplies.models import Order, Stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}
SHOTS = Path("/tmp/shots-pages")  # noqa: S108 - screenshots to look at, as asked


def shot(page, name: str) -> None:
    screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_allocate_issue_confirm_receive(live_server, browser, world, password) -> None:
    staff = actor(world, "staff")
    mats = {m.code: m for m in services.ensure_catalogue(world.community.pk)}
    mask = mats["mask-medical"]
    north = services.save_area(staff, "北区")
    services.assign_area(staff, world.enterprise_a, north)
    sup = services.save_supplier(
        staff,
        None,
        {
            "name": "宁波康护医疗用品有限公司",
            "credit_code": "91330206MA2AFUBX4E",
            "contact_name": "钱经理",
            "contact_phone": "13857401234",
        },
        areas=[north],
    )
    sup.accounts.add(world.users["supplier"])
    services.save_offer(
        actor(world, "supplier"),
        sup,
        None,
        {
            "material": mask,
            "quantity": 2000,
            "unit_price": "0.80",
            "min_order": 500,
            "lead_days": 1,
        },
    )
    services.post_need(actor(world, "officer_a"), world.enterprise_a, mask, 1000)
    base = live_server.url

    # Staff, at a desk, in English: run, read the proof and the why, issue.
    desk = browser.new_context(**DESK)
    desk.add_cookies([{"name": "workgate_language", "value": "en", "url": base}])
    page = desk.new_page()
    sign_in(page, base, "staff", password)
    page.goto(base + "/supplies/allocation/")
    page.get_by_test_id("do-run").click()
    expect(page.get_by_test_id("badge-optimal")).to_be_visible()
    expect(page.get_by_test_id("why").first).to_contain_text("宁波康护医疗用品有限公司")
    expect(page.get_by_test_id("why").first).to_contain_text("met in full")
    shot(page, "supplies-allocation-desk")
    page.get_by_test_id("do-issue").click()
    expect(page.get_by_test_id("order").first).to_be_visible()  # issuing opens the orders
    desk.close()
    order = Order.objects.get()
    assert (order.quantity, order.state) == (1000, Order.State.ISSUED)

    # The supplier, on a phone, in Chinese: confirm.
    phone = browser.new_context(**PHONE, is_mobile=True)
    page = phone.new_page()
    sign_in(page, base, "supplier", password)
    page.goto(base + "/supplies/orders/")
    fits(page)
    page.get_by_test_id("do-confirm").click()
    expect(page.get_by_test_id("order-state").first).to_contain_text("已确认")
    phone.close()

    # The officer, on a phone: a first delivery of 600, then too much, then the rest.
    phone = browser.new_context(**PHONE, is_mobile=True)
    page = phone.new_page()
    sign_in(page, base, "officer_a", password)
    page.goto(base + "/supplies/orders/")
    fits(page)
    page.get_by_test_id("receive-quantity").fill("600")
    page.get_by_test_id("do-receive").click()
    expect(page.get_by_test_id("order-delivered").first).to_contain_text("600")
    page.get_by_test_id("receive-quantity").fill("500")
    page.get_by_test_id("do-receive").click()
    expect(page.get_by_test_id("error-quantity")).to_be_visible()
    page.get_by_test_id("receive-quantity").fill("400")
    page.get_by_test_id("do-receive").click()
    expect(page.get_by_test_id("order-state").first).to_contain_text("已到货")
    shot(page, "supplies-orders-officer-phone")

    # The masks now last: 1,000 for one person at 2 a day.
    page.goto(base + "/supplies/stock/")
    fits(page)
    row = page.get_by_test_id("stock-row").filter(has_text=mask.name)
    expect(row.get_by_test_id("stock-qty")).to_contain_text("1,000")
    expect(row.get_by_test_id("stock-days")).to_contain_text("500")
    shot(page, "supplies-stock-officer-phone")
    phone.close()
    assert Stock.objects.get(holder__enterprise=world.enterprise_a, material=mask).quantity == 1000
