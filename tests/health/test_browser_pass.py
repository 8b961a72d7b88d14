"""A real Chromium on a 360 px phone: an employee declares, sees the pass and its QR (read back
with a QR decoder from the pixels on screen); a fever at the gate turns the pass red; an officer
follows the incident up on the incident pages."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.health.conftest import Health
from tests.test_browser_registry import sign_in
from workgate.health import services
from workgate.health.models import Declaration, Incident, PassCode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
JSQR = [ROOT / "workgate/static/vendor/jsQR.js", ROOT / "node_modules/jsqr/dist/jsQR.js"]


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def decode_qr(page, selector: str) -> str | None:
    """Read the QR on screen: the element's pixels, decoded by jsQR in the page (None if jsQR
    is not installed)."""
    source = next((p for p in JSQR if p.exists()), None)
    if source is None:
        return None
    png = base64.b64encode(page.locator(selector).screenshot()).decode()
    page.evaluate(source.read_text())  # defines window.jsQR (evaluation is not subject to CSP)
    return page.evaluate(
        """async (png) => {
            const img = new Image();
            img.src = "data:image/png;base64," + png;
            await img.decode();
            const canvas = document.createElement("canvas");
            canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
            const ctx = canvas.getContext("2d");
            ctx.drawImage(img, 0, 0);
            const data = ctx.getImageData(0, 0, canvas.width, canvas.height);
            const found = window.jsQR(data.data, canvas.width, canvas.height);
            return found ? found.data : null;
        }""",
        png,
    )


def phone_page(browser, locale: str):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale=locale, has_touch=True, is_mobile=True
    )
    return context, context.new_page()


def test_an_employee_declares_shows_the_pass_and_a_fever_turns_it_red(
    live_server, browser, page, health: Health, password
):
    me = health.a[0]
    me.user = health.world.users["employee_a"]
    me.save(update_fields=["user"])
    code = PassCode.objects.get(employee=me).code

    context, mobile = phone_page(browser, "zh-CN")
    sign_in(mobile, live_server.url, "employee_a", password)
    mobile.goto(f"{live_server.url}/health/pass/")
    # Not declared yet: yellow, with the way to declare.
    expect(mobile.locator("[data-testid=pass]")).to_have_attribute("data-colour", "yellow")
    mobile.click("[data-testid=declare-link]")
    expect(mobile.locator("[data-testid=declare-form]")).to_be_visible()
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    # The place is asked for only when travelling.
    expect(mobile.locator("input[name=region]")).to_be_hidden()
    mobile.check("input[name=whereabouts][value=travelling]")
    expect(mobile.locator("input[name=region]")).to_be_visible()
    mobile.check("input[name=whereabouts][value=dorm]")
    screenshot(mobile, "health-declare-zh")

    # Forgetting the contact question is refused, naming it.
    mobile.fill("input[name=temperature]", "36.4")
    mobile.click("[data-testid=declare-submit]")
    expect(mobile.locator("[data-field=contact_with_case]")).to_be_visible()
    assert Declaration.objects.count() == 0
    mobile.check("input[name=contact_with_case][value=no]")
    mobile.click("[data-testid=declare-submit]")

    expect(mobile.locator("[data-testid=pass]")).to_have_attribute("data-colour", "green")
    expect(mobile.locator("[data-testid=pass-name]")).to_have_text(me.name)
    expect(mobile.locator("[data-testid=pass-code]")).to_have_text(
        f"{code[:4]} {code[4:8]} {code[8:]}"
    )
    qr = mobile.locator("[data-testid=pass-qr] svg")
    box = qr.bounding_box()
    assert box["width"] >= 240 and box["height"] >= 240  # big enough to scan from a phone
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    # Read back from the screen (the unit tests also compare the drawing with segno's matrix).
    decoded = decode_qr(mobile, "[data-testid=pass-qr] .qr-frame")
    if decoded is not None:
        assert decoded == code
    screenshot(mobile, "health-pass-green-zh")

    en_context, en_mobile = phone_page(browser, "en-US")
    sign_in(en_mobile, live_server.url, "employee_a", password)
    en_mobile.goto(f"{live_server.url}/health/pass/")
    expect(en_mobile.locator("[data-testid=pass-reasons]")).to_contain_text(
        "Declared today, no fever, low risk, not in quarantine."
    )
    screenshot(en_mobile, "health-pass-green-en")
    en_mobile.goto(f"{live_server.url}/health/declare/")
    expect(en_mobile.locator("[data-testid=already-declared]")).to_be_visible()
    screenshot(en_mobile, "health-declare-en")

    # A fever at the gate.
    services.checks_record(
        actor=health.gate_actor,
        items=[
            services.CheckItem(
                uuid=uuid.uuid4(), temperature="38.4", pass_code=code, gate_id=health.gate.pk
            )
        ],
        source="station",
    )
    incident = Incident.objects.get(employee=me)
    mobile.reload()
    expect(mobile.locator("[data-testid=pass]")).to_have_attribute("data-colour", "red")
    expect(mobile.locator("[data-testid=pass-reasons]")).to_contain_text(
        zh("A fever is being followed up.")
    )
    expect(mobile.locator("[data-testid=pass-incident]")).to_contain_text("38.4")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(mobile, "health-pass-red-zh")
    en_mobile.goto(f"{live_server.url}/health/pass/")
    expect(en_mobile.locator("[data-testid=pass-band]")).to_contain_text("Do not enter")
    screenshot(en_mobile, "health-pass-red-en")
    en_context.close()
    context.close()

    # The officer follows it up: list, then the incident, re-check reading on the page.
    sign_in(page, live_server.url, "officer_a", password)
    page.goto(f"{live_server.url}/health/incidents/")
    expect(page.locator("[data-testid=incident-row]")).to_have_count(1)
    expect(page.locator("[data-testid=tab-open] .count")).to_have_text("1")
    screenshot(page, "health-incidents-zh")
    page.click("[data-testid=incident-link]")
    page.fill("#recheck-temp", "38.1")
    page.fill("#recheck-note", "额温枪复测")
    page.click("[data-testid=do-recheck]")
    expect(page.locator("[data-testid=form-clinic]")).to_be_visible()
    page.click("[data-testid=do-clinic]")
    expect(page.locator("[data-testid=form-outcome]")).to_be_visible()
    expect(page.locator("[data-testid=incident-step]")).to_have_count(3)
    screenshot(page, "health-incident-zh")
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLINIC

    officer_phone, officer_mobile = phone_page(browser, "en-US")
    sign_in(officer_mobile, live_server.url, "officer_a", password)
    officer_mobile.goto(f"{live_server.url}/health/incidents/")
    assert officer_mobile.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(officer_mobile, "health-incidents-en-360")
    officer_mobile.goto(f"{live_server.url}/health/incidents/{incident.pk}/")
    assert officer_mobile.evaluate("document.documentElement.scrollWidth") <= 360
    officer_mobile.check("input[name=outcome][value=suspected]")
    officer_mobile.click("[data-testid=do-outcome]")
    expect(officer_mobile.locator("[data-testid=incident-pass]")).to_contain_text("Red")
    screenshot(officer_mobile, "health-incident-en-360")
    officer_phone.close()

    en_desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    desk = en_desk.new_page()
    sign_in(desk, live_server.url, "officer_a", password)
    desk.goto(f"{live_server.url}/health/incidents/?show=all")
    screenshot(desk, "health-incidents-en")
    desk.goto(f"{live_server.url}/health/incidents/{incident.pk}/")
    screenshot(desk, "health-incident-en")
    desk.goto(f"{live_server.url}/registry/employees/{me.pk}/")
    expect(desk.locator("[data-testid=health-panel]")).to_contain_text("Suspected case")
    screenshot(desk, "health-file-panel-en")
    en_desk.close()
