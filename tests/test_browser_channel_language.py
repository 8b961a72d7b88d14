"""A real Chromium on a 360 px phone: a person who reads English signs in on a new phone and sees
English from the first page; switching back to Chinese is remembered for their emails; staff set
a group robot's language on its page."""

from __future__ import annotations

import pytest

from tests.browser import screenshot
from tests.test_browser_registry import sign_in
from workgate.core.models import GroupRobot, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DING_URL = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef"


def phone(browser):
    return browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True
    )


def test_a_new_phone_shows_the_persons_language_and_remembers_a_switch(
    live_server, browser, world, password
):
    staff = world.users["staff"]
    staff.language = "en"
    staff.save()
    context = phone(browser)
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    assert page.locator("h1").inner_text() == "登录"  # nobody known yet: the site's language
    sign_in(page, live_server.url, "staff", password)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".main-nav").inner_text().startswith("Overview")
    screenshot(page, "language-first-page-360")

    page.click("[data-testid=lang-zh]")
    page.wait_for_selector("[data-testid=lang-en]")
    assert User.objects.get(pk=staff.pk).language == "zh-hans"
    context.close()


def test_staff_set_a_robots_language_on_a_phone(live_server, browser, world, password):
    context = phone(browser)
    page = context.new_page()
    sign_in(page, live_server.url, "staff", password)
    page.goto(live_server.url + "/channels/robots/")
    page.click("[data-testid=robot-add] summary")
    page.fill("#rb-name", "Gate duty group")
    page.select_option("#rb-kind", "dingtalk")
    page.select_option("#rb-language", "en")
    page.fill("#rb-url", DING_URL)
    page.check("input[name=kinds][value='*']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "robot-add-language-360")
    with page.expect_navigation():
        page.click("[data-testid=do-robot-add]")
    robot = GroupRobot.objects.get()
    assert robot.language == "en"
    assert "English" in page.locator("[data-testid=robot-language-shown]").inner_text()
    assert page.locator("#rb-language").input_value() == "en"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "robot-language-360")
    context.close()
