"""A call-out in a real Chromium: staff post it at a desk and keep its page open; two
volunteers open the notification's link on their phones (360 px) and accept; the staff's
page counts 2 without a reload, and its chart has two acceptances."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.test_browser_registry import sign_in
from tests.volunteers.conftest import Body
from workgate.core.models import Notification
from workgate.volunteers.models import CallOut

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_post_two_accept_on_phones_live_count(live_server, browser, body: Body, password) -> None:
    base = live_server.url
    desk = browser.new_context(**DESK)
    desk.add_cookies([{"name": "workgate_language", "value": "en", "url": base}])
    staff = desk.new_page()
    sign_in(staff, base, "staff", password)
    staff.goto(base + "/volunteers/callouts/new/")
    staff.get_by_test_id("c-title").fill("北门测温")
    staff.get_by_test_id("c-place").fill("大港工业城北门")
    starts = timezone.localtime(timezone.now() + dt.timedelta(hours=1))
    staff.get_by_test_id("c-starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_test_id("c-needed").fill("3")
    staff.get_by_test_id(f"c-group-{body.liaison.pk}").check()
    staff.get_by_test_id("c-post").click()
    expect(staff.get_by_test_id("callout-title")).to_have_text("北门测温")
    expect(staff.get_by_test_id("live-accepted")).to_have_text("0")
    expect(staff.get_by_test_id("live-unanswered")).to_have_text("4")
    callout = CallOut.objects.get(title="北门测温")
    link = Notification.objects.filter(kind="volunteers.callout").values_list("url", flat=True)[0]
    assert link == f"/volunteers/callouts/{callout.pk}/answer/"
    staff.evaluate("window.__notReloaded = true")

    for user in (body.people[0].user, body.people[1].user):
        context = browser.new_context(**PHONE)
        phone = context.new_page()
        sign_in(phone, base, user.username, password)
        phone.goto(base + link)
        expect(phone.get_by_test_id("answer-title")).to_have_text("北门测温")
        fits(phone)
        phone.get_by_test_id("do-accept").click()
        expect(phone.get_by_test_id("my-answer")).to_have_attribute("data-reply", "accepted")
        fits(phone)
        screenshot(phone, f"volunteers-answer-phone-{user.username}")
        context.close()

    # The staff's page updates itself: no reload (the marker set above is still there).
    expect(staff.get_by_test_id("live-accepted")).to_have_text("2", timeout=10_000)
    expect(staff.get_by_test_id("live-unanswered")).to_have_text("2")
    expect(staff.get_by_test_id("answer-accepted")).to_have_count(2)
    assert staff.evaluate("window.__notReloaded") is True
    expect(staff.get_by_test_id("chart-times")).to_have_attribute("data-points", "2")
    screenshot(staff, "volunteers-callout-live-desk")
    desk.close()
