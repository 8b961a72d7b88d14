"""A real Chromium: staff define a campaign for all non-local employees, preview and launch it;
a volunteer on a 360 px phone works the queue (tap to call, outcome, next person); the summary
shows what was entered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.factories import id_number, make_employee
from tests.test_browser_registry import sign_in
from workgate.registry.models import Region
from workgate.screening.models import CallAttempt, RegionRisk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_launch_a_campaign_and_a_volunteer_works_it_on_a_phone(
    live_server, browser, page, world, password
):
    RegionRisk.objects.create(
        community=world.community,
        region=Region.objects.get(code="420000"),
        level="high",
        effective_from=dt.date(2020, 1, 23),
    )
    for i in range(3):
        make_employee(
            world.enterprise_a,
            name=f"湖北{i}",
            id_number=id_number("420102", dt.date(1992, 3, 1 + i), 300 + i),
            current_region_id="420102",
            arrived=False,
            mobile=f"1370000{i:04d}",
        )

    sign_in(page, live_server.url, "staff", password)
    page.goto(f"{live_server.url}/screening/campaigns/")
    page.click("[data-testid=campaign-new]")
    page.fill("input[name=name]", "非甬籍员工排查")
    page.check("input[name=non_local]")
    page.click("[data-testid=campaign-preview]")
    expect(page.locator("[data-testid=preview-count]")).to_have_text("3")
    page.click("[data-testid=campaign-create]")
    page.select_option("select[name=users]", label="volunteer (volunteer)")
    page.click("[data-testid=callers-add]")
    page.click("[data-testid=campaign-launch]")
    call_command("worker", "--batch", verbosity=0)
    page.reload()
    expect(page.locator("[data-testid=fig-remaining]")).to_have_text("3")
    campaign_url = page.url

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", has_touch=True, is_mobile=True
    )
    mobile = phone.new_page()
    sign_in(mobile, live_server.url, "volunteer", password)
    mobile.goto(f"{live_server.url}/screening/calls/")
    mobile.click("[data-testid=next-person]")
    tel = mobile.locator("[data-testid=tel-link]")
    expect(tel).to_have_attribute("href", "tel:13700000000")
    box = tel.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # a thumb-sized target at 360 px
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(mobile, "caller-task-zh")
    mobile.check("input[name=outcome][value=reached]")
    mobile.fill("input[name=region]", "湖北省武汉市")
    mobile.check("input[name=delay_agreed]")
    mobile.click("[data-testid=save-outcome]")
    expect(mobile.locator(".flash")).to_be_visible()
    mobile.click("[data-testid=next-person]")
    mobile.check("input[name=outcome][value=no_answer]")
    mobile.click("[data-testid=save-outcome]")
    screenshot(mobile, "caller-queue-zh")
    phone.close()

    assert CallAttempt.objects.count() == 2
    page.goto(campaign_url)
    expect(page.locator("[data-testid=fig-delayed]")).to_have_text("1")
    expect(page.locator("[data-testid=fig-high-risk]")).to_have_text("1")
    expect(page.locator("[data-testid=fig-calls]")).to_have_text("2")
    screenshot(page, "campaign-progress-zh")
