"""A shift swap in a real Chromium: the volunteer asks a colleague on a phone, the colleague
agrees on theirs, staff approve at a desk, and the roster shows the two changed places; on a
phone the roster shows one day at a time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.duty.conftest import Duty
from tests.test_browser_registry import sign_in
from workgate.duty.models import Assignment, Swap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}
SHOTS = Path("/tmp/shots-duty")  # noqa: S108 - screenshots to look at, as asked


def shot(page, name: str) -> None:
    screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_swap_asked_agreed_approved_shows_on_the_roster(
    live_server, browser, rostered: Duty, password
) -> None:
    d = rostered
    base = live_server.url
    morning, evening = d.shifts(0)
    monday = d.start - dt.timedelta(days=d.start.weekday())

    # The volunteer, on a phone: asks 陈门岗 to take the morning, taking their evening back.
    phone = browser.new_context(**PHONE, is_mobile=True)
    page = phone.new_page()
    sign_in(page, base, "volunteer", password)
    page.goto(base + "/duty/mine/")
    fits(page)
    expect(page.get_by_test_id("my-shift")).to_have_count(1)
    page.get_by_test_id("ask-swap").click()
    page.get_by_test_id("swap-to").select_option(label="陈门岗")
    page.get_by_test_id("swap-return").select_option(value=str(evening.pk))
    page.get_by_test_id("swap-reason").fill("孩子生病")
    fits(page)
    shot(page, "duty-mine-ask-phone")
    page.get_by_test_id("swap-send").click()
    expect(page.get_by_test_id("my-request").get_by_test_id("state")).to_have_class(
        "dt-state dt-state-asked"
    )
    phone.close()

    # The colleague, on a phone: agrees.
    phone = browser.new_context(**PHONE, is_mobile=True)
    page = phone.new_page()
    sign_in(page, base, "gate_a", password)
    page.goto(base + "/duty/mine/")
    expect(page.get_by_test_id("swap-asked")).to_contain_text("孩子生病")
    fits(page)
    shot(page, "duty-mine-asked-phone")
    page.get_by_test_id("agree").click()
    expect(page.get_by_test_id("swap-asked")).to_have_count(0)
    phone.close()
    assert Swap.objects.get().state == Swap.State.AGREED

    # Staff, at a desk, in English: approve; the roster shows the two changed places.
    desk = browser.new_context(**DESK)
    desk.add_cookies([{"name": "workgate_language", "value": "en", "url": base}])
    page = desk.new_page()
    sign_in(page, base, "staff", password)
    page.goto(base + "/duty/swaps/")
    expect(page.get_by_test_id("swap-waiting")).to_contain_text("王志愿 hands it to 陈门岗")
    shot(page, "duty-swaps-desk")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("swap-decided")).to_contain_text("Approved")
    page.goto(f"{base}/duty/?week={monday.isoformat()}")
    cell = page.locator(f"[data-shift='{morning.pk}']")
    expect(cell).to_contain_text("陈门岗")
    expect(cell).not_to_contain_text("王志愿")
    expect(page.locator(f"[data-shift='{evening.pk}']")).to_contain_text("王志愿")
    shot(page, "duty-roster-desk")
    desk.close()
    assert Assignment.objects.get(shift=morning).volunteer == d.colleague

    # Staff on a phone: one day at a time; a tab shows another day.
    phone = browser.new_context(**PHONE, is_mobile=True)
    page = phone.new_page()
    sign_in(page, base, "staff", password)
    page.goto(f"{base}/duty/?week={monday.isoformat()}")
    fits(page)
    day = (d.start - monday).days
    tabs = page.get_by_test_id("day-tab")
    tabs.nth(day).click()
    expect(page.locator(f"[data-shift='{morning.pk}']")).to_be_visible()
    other = (day + 1) % 7
    expect(page.locator(f"td.dt-d{other}").first).to_be_hidden()
    tabs.nth(other).click()
    expect(page.locator(f"td.dt-d{other}").first).to_be_visible()
    expect(page.locator(f"[data-shift='{morning.pk}']")).to_be_hidden()
    fits(page)
    shot(page, "duty-roster-phone")
    phone.close()
