"""A volunteer responsible for a workshop grid, on a 360 px phone: signs in, sees their three
people with today's status, taps "not checked today" and the list shows only who is missing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.grid.conftest import Grids
from tests.test_browser_registry import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "has_touch": True}


def test_member_taps_not_checked_today(live_server, browser, grids: Grids, password) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "member1", password)
        page.goto(live_server.url + "/grid/mine/")
        people = page.get_by_test_id("person")
        expect(people).to_have_count(3)
        expect(page.get_by_test_id("person-name")).to_have_text(["赵隔离", "钱未检", "王已检"])
        expect(page.get_by_test_id("count-missing")).to_have_text("1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "grid-mine-phone")

        page.get_by_test_id("chip-missing").tap()
        expect(people).to_have_count(1)
        expect(page.get_by_test_id("person-name")).to_have_text(["钱未检"])
        expect(page.get_by_test_id("chip-missing")).to_have_attribute("aria-current", "true")
        assert "status=missing" in page.url
        # Back to everyone.
        page.get_by_test_id("chip-all").tap()
        expect(people).to_have_count(3)
        # Nobody of the other grids is on the page.
        for stranger in ("李二车间", "周发热", "外区甲"):
            expect(page.get_by_text(stranger)).to_have_count(0)
    finally:
        context.close()
