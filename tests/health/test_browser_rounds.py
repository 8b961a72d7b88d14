"""A real Chromium: a gate volunteer on a 360 px phone types a round's temperatures for three
people down the grid (Enter moves to the next person), saves, sees them checked, and the
missing-check list is three shorter; community staff see the round's overview with its chart."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.factories import id_number, make_employee, make_enterprise
from tests.health.conftest import Health
from tests.test_browser_registry import sign_in
from workgate.health.models import Check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "has_touch": True}


def more_enterprises(health: Health) -> None:
    """A dozen more enterprises of different sizes, so the chart has something to rank."""
    names = [
        "宁波大港精密机械制造有限公司",
        "宁波北仑港区物流有限公司",
        "宁波新材料科技股份有限公司",
    ]
    for n in range(12):
        name = names[n] if n < len(names) else f"宁波大港第{n}电子有限公司"
        enterprise = make_enterprise(health.world.community, name=name)
        for i in range(1 + (n * 7) % 9):
            make_employee(
                enterprise,
                name=f"员工{n}-{i}",
                id_number=id_number("330206", dt.date(1970 + n, 1 + i % 12, 1 + i), n * 20 + i),
            )


def test_a_gate_volunteer_fills_the_round_grid_on_a_phone(
    live_server, browser, page, health: Health, password
) -> None:
    more_enterprises(health)
    phone = browser.new_context(**PHONE, is_mobile=True)
    mobile = phone.new_page()
    sign_in(mobile, live_server.url, "gate_a", password)

    mobile.goto(f"{live_server.url}/health/rounds/missing/")
    rows = mobile.locator("[data-testid=missing-row]")
    expect(rows).to_have_count(6)  # 张三 and 甲0–甲4: nobody checked yet
    screenshot(mobile, "rounds-missing-before-360-zh")

    mobile.goto(f"{live_server.url}/health/rounds/grid/")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    first = mobile.locator("[data-testid=grid-row][data-name=甲0] [data-testid=row-temperature]")
    expect(first).to_have_attribute("inputmode", "decimal")
    box = first.bounding_box()
    assert box["height"] >= 36 and box["width"] >= 80  # thumb-sized at 360 px
    first.tap()
    mobile.keyboard.type("36.5")
    mobile.keyboard.press("Enter")  # moves to 甲1, does not submit
    mobile.keyboard.type("36,7")
    mobile.keyboard.press("Enter")
    mobile.keyboard.type("36.6")
    second_masks = mobile.locator("[data-testid=grid-row][data-name=甲1] [data-testid=row-masks]")
    second_masks.fill("2")
    assert Check.objects.count() == 0
    screenshot(mobile, "rounds-grid-filled-360-zh")
    mobile.click("[data-testid=save-round]")

    summary = mobile.locator("[data-testid=grid-summary]")
    expect(summary).to_contain_text("已记录 3 人，发热 0 人，0 人未能保存")
    for name, reading in (("甲0", "36.5"), ("甲1", "36.7"), ("甲2", "36.6")):
        row = mobile.locator(f"[data-testid=grid-row][data-name={name}]")
        expect(row.locator("[data-testid=row-reading]")).to_contain_text(f"{reading} °C")
        expect(row.locator("[data-testid=row-temperature]")).to_have_count(0)
    expect(mobile.locator("[data-testid=grid-progress]")).to_contain_text("本轮已测 3 人，共 6 人")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(mobile, "rounds-grid-saved-360-zh")
    assert Check.objects.count() == 3
    assert Check.objects.get(employee_id=health.a[1].pk).masks_issued == 2

    mobile.goto(f"{live_server.url}/health/rounds/missing/")
    expect(rows).to_have_count(3)
    expect(mobile.locator("[data-testid=missing-table]")).not_to_contain_text("甲0")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(mobile, "rounds-missing-after-360-zh")

    mobile.goto(f"{live_server.url}/health/rounds/")
    expect(mobile.locator("[data-testid=fig-checked]")).to_have_text("3")
    expect(mobile.locator("[data-testid=fig-masks]")).to_have_text("2")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(mobile, "rounds-overview-gate-360-zh")

    # A mistyped reading is refused by name and kept for correction; a fever is flagged.
    mobile.goto(f"{live_server.url}/health/rounds/grid/")
    mobile.locator("[data-testid=grid-row][data-name=甲3] [data-testid=row-temperature]").fill(
        "365"
    )
    mobile.locator("[data-testid=grid-row][data-name=甲4] [data-testid=row-temperature]").fill(
        "38.4"
    )
    mobile.click("[data-testid=save-round]")
    expect(summary).to_contain_text("已记录 1 人，发热 1 人，1 人未能保存")
    refused = mobile.locator("[data-testid=grid-row][data-name=甲3]")
    expect(refused.locator("[data-testid=row-error]")).to_contain_text("甲3")
    expect(refused.locator("[data-testid=row-error]")).to_contain_text("365.0 °C")
    expect(refused.locator("[data-testid=row-temperature]")).to_have_value("365")
    expect(
        mobile.locator("[data-testid=grid-row][data-name=甲4] [data-testid=row-fever]")
    ).to_be_visible()
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(mobile, "rounds-grid-refused-360-zh")
    mobile.click("[data-testid=lang-en]")
    mobile.goto(f"{live_server.url}/health/rounds/grid/")
    screenshot(mobile, "rounds-grid-360-en")
    phone.close()

    # Community staff: the whole community, the chart of who is missing most.
    sign_in(page, live_server.url, "staff", password)
    page.goto(f"{live_server.url}/health/rounds/")
    expect(page.locator("[data-testid=missing-chart]")).to_have_attribute(
        "data-chart-ready", "true"
    )
    expect(page.locator("[data-testid=fig-checked]")).to_have_text("4")
    screenshot(page, "rounds-overview-1280-zh")
    page.goto(f"{live_server.url}/health/rounds/missing/")
    screenshot(page, "rounds-missing-1280-zh")
    page.goto(f"{live_server.url}/health/rounds/grid/?enterprise={health.world.enterprise_a.pk}")
    screenshot(page, "rounds-grid-1280-zh")
    page.goto(f"{live_server.url}/health/settings/")
    screenshot(page, "health-settings-1280-zh")

    staff_phone = browser.new_context(**PHONE, is_mobile=True)
    small = staff_phone.new_page()
    sign_in(small, live_server.url, "staff", password)
    small.goto(f"{live_server.url}/health/rounds/")
    expect(small.locator("[data-testid=missing-chart]")).to_have_attribute(
        "data-chart-ready", "true"
    )
    assert small.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(small, "rounds-overview-360-zh")
    small.goto(f"{live_server.url}/health/settings/")
    assert small.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(small, "health-settings-360-zh")
    staff_phone.close()
