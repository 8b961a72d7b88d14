"""A real Chromium signs in, switches language and sees the page change; the shell fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


def test_sign_in_switch_language_and_see_the_page_change(live_server, page, world, password):
    from tests.factories import make_employee

    make_employee(world.enterprise_a, name="王五")
    page.goto(live_server.url + "/login/")
    assert page.locator("h1").inner_text() == "登录"
    sign_in(page, live_server.url, "staff", password)
    page.wait_for_selector("[data-testid=fig-employees]")
    assert page.locator(".main-nav").inner_text().startswith("概览")
    page.wait_for_selector("[data-chart-ready=true]")
    screenshot(page, "home-zh")

    page.click("[data-testid=lang-en]")
    page.wait_for_selector("[data-testid=lang-zh]")
    assert page.locator(".main-nav").inner_text().startswith("Overview")
    assert "Employees on file" in page.content()
    screenshot(page, "home-en")


def test_shell_fits_a_360px_phone(live_server, browser, world, password):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True
    )
    page = context.new_page()
    sign_in(page, live_server.url, "staff", password)
    page.wait_for_selector("[data-testid=fig-employees]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"
    screenshot(page, "home-360")
    page.goto(live_server.url + "/audit/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "audit-360")
    context.close()


def test_no_console_errors_or_csp_violations(live_server, page, world, password):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "staff", password)
    page.wait_for_selector("[data-chart-ready=true]")
    page.goto(live_server.url + "/registry/enterprises/")
    page.fill("input[name=q]", "甲")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "甲" in page.locator("#results tbody").inner_text()
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui")
    assert errors == []
