"""A real Chromium on a 360 px phone: the gate volunteer finds people by pass code and by the last
digits of their ID, takes temperatures on the pad, sees green for a normal reading and the
refusal for a fever; then the network drops, two more checks wait on the phone (nothing reaches
the database), and when it returns they are uploaded exactly once, however often the upload is
repeated."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.health.conftest import Health
from tests.test_browser_registry import sign_in
from workgate.health.models import Check, Incident
from workgate.registry.models import Employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tap_reading(page, reading: str) -> None:
    for key in reading:
        page.click(f"[data-key='{key}']")
    expect(page.locator("[data-testid=temp]")).to_have_text(reading)


def test_gate_station_on_a_phone_works_offline_and_uploads_once(
    live_server, browser, health: Health, password
):
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", has_touch=True, is_mobile=True
    )
    page = phone.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    Employee.objects.filter(pk=health.a[4].pk).update(quarantine_status="home")
    sign_in(page, live_server.url, "gate_a", password)
    page.goto(f"{live_server.url}/health/station/")
    assert page.url.endswith(f"/health/station/{health.gate.pk}/")  # one gate: straight to it
    expect(page.locator("[data-testid=roster-info]")).to_contain_text("6")  # 张三 and 甲0–4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    record = page.locator("[data-testid=record]")
    box = record.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 150

    find = page.locator("[data-testid=find]")
    result = page.locator("[data-testid=result]")
    waiting = page.locator("[data-testid=outbox-count]")

    # 1. A scanner types the pass code and presses Enter: the person is there at once.
    find.press_sequentially(health.code(health.a[0]))
    find.press("Enter")
    expect(page.locator("[data-testid=person-name]")).to_have_text("甲0")
    tap_reading(page, "36.6")
    screenshot(page, "station-person-zh")
    record.click()
    expect(result).to_have_class("st-result is-ok")
    screenshot(page, "station-enter-zh")
    expect(result).to_be_hidden()  # gone after a second, ready for the next person
    expect(page.locator("[data-testid=temp]")).to_have_text("—")
    expect(waiting).to_have_text("0")
    expect(page.locator("[data-testid=today-count]")).to_have_text("1")

    # 2. Found by the last 4 digits of the ID number; a fever is refused and raises an alert.
    find.fill(health.a[1].id_number[-4:])
    page.locator("[data-testid=candidate]", has_text="甲1").click()
    expect(page.locator("[data-testid=person-name]")).to_have_text("甲1")
    tap_reading(page, "38.2")
    record.click()
    expect(result).to_have_class("st-result is-fever")
    expect(page.locator("[data-testid=next]")).to_be_visible()
    screenshot(page, "station-fever-zh")
    page.click("[data-testid=next]")
    expect(result).to_be_hidden()
    expect(waiting).to_have_text("0")
    assert Check.objects.count() == 2
    incident = Incident.objects.get()
    assert incident.employee_id == health.a[1].pk

    # 3. A mistyped 365 is refused on screen and nothing is kept.
    find.press_sequentially(health.code(health.a[2]))
    expect(page.locator("[data-testid=person-name]")).to_have_text("甲2")
    tap_reading(page, "365")
    record.click()
    error = page.locator("[data-testid=error]")
    expect(error).to_contain_text("365.0")
    expect(error).to_contain_text("34.0")
    expect(result).to_be_hidden()
    expect(page.locator("[data-testid=today-count]")).to_have_text("2")
    screenshot(page, "station-implausible-zh")

    # 4. The network drops: two checks wait on the phone.
    phone.set_offline(True)
    expect(page.locator("[data-testid=net]")).to_have_class("st-net is-offline")
    page.click("[data-key=back]")
    page.click("[data-key=back]")
    page.click("[data-key=back]")
    page.click("[data-quick='36.5']")
    record.click()
    expect(result).to_be_hidden()
    find.press_sequentially(health.code(health.a[3]))
    expect(page.locator("[data-testid=person-name]")).to_have_text("甲3")
    page.click("[data-quick='36.8']")
    page.click("[data-masks='1']")
    expect(page.locator("[data-testid=masks]")).to_have_text("2")
    record.click()
    expect(waiting).to_have_text("2")
    expect(page.locator("[data-testid=today-count]")).to_have_text("4")
    expect(result).to_be_hidden()
    screenshot(page, "station-offline-zh")
    page.wait_for_timeout(1500)
    assert Check.objects.count() == 2  # nothing reached the server
    kept = page.evaluate(f"localStorage.getItem('wg.station.{health.gate.pk}.outbox')")
    offline_items = json.loads(kept)
    assert [i["temperature"] for i in offline_items] == ["36.5", "36.8"]

    # A reload while offline still opens the station, with the two checks still waiting.
    page.reload()
    expect(waiting).to_have_text("2")
    expect(page.locator("[data-testid=person-name]")).to_be_hidden()

    # 5. The network returns: uploaded, once.
    phone.set_offline(False)
    expect(waiting).to_have_text("0", timeout=10_000)
    expect(page.locator("[data-testid=net]")).to_have_class("st-net")
    ids = {uuid.UUID(i["id"]) for i in offline_items}
    stored = Check.objects.filter(uuid__in=ids)
    assert stored.count() == 2
    assert {(c.employee_id, str(c.temperature), c.masks_issued) for c in stored} == {
        (health.a[2].pk, "36.5", 1),
        (health.a[3].pk, "36.8", 2),
    }
    assert all(c.gate_id == health.gate.pk and c.source == "station" for c in stored)
    assert Check.objects.count() == 4

    # The answer was lost, say: the same checks are sent again. The server knows their ids.
    page.evaluate(f"localStorage.setItem('wg.station.{health.gate.pk}.outbox', {json.dumps(kept)})")
    page.reload()
    expect(waiting).to_have_text("0", timeout=10_000)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(500)
    assert Check.objects.count() == 4
    expect(page.locator("[data-testid=problems]")).to_be_hidden()

    # 6. A code the server does not know is refused there, and the refusal is shown, not lost.
    find.press_sequentially("ZZZZ9999ZZZZ")
    find.press("Enter")
    page.click("[data-testid=candidate-unknown]")
    page.click("[data-quick='36.4']")
    record.click()
    expect(result).to_have_class("st-result is-unknown")  # not a green "Enter": unverified
    page.click("[data-testid=next]")
    problem = page.locator("[data-testid=problem]")
    expect(problem).to_contain_text("ZZZZ9999ZZZZ")
    expect(page.locator("[data-testid=problem-count]")).to_contain_text("1")
    expect(waiting).to_have_text("0")
    assert Check.objects.count() == 4
    screenshot(page, "station-problem-zh")
    problem.get_by_role("button").click()
    expect(page.locator("[data-testid=problems]")).to_be_hidden()
    expect(page.locator("[data-testid=problem-count]")).to_be_hidden()

    # 7. A red pass: the banner says so on selection, the temperature is still recorded.
    find.press_sequentially(health.code(health.a[4]))
    expect(page.locator("[data-testid=red-banner]")).to_be_visible()
    screenshot(page, "station-red-zh")
    page.click("[data-quick='36.5']")
    record.click()
    expect(result).to_have_class("st-result is-refused")
    page.click("[data-testid=next]")
    expect(waiting).to_have_text("0")
    assert Check.objects.filter(employee_id=health.a[4].pk).count() == 1

    # 8. The session ends (signed out elsewhere, or expired): the check waits, the page says to
    # sign in again, and after signing in it is uploaded.
    phone.clear_cookies()
    find.press_sequentially(health.code(health.a[0]))
    page.click("[data-quick='36.3']")
    record.click()
    expect(page.locator("[data-testid=auth-problem]")).to_be_visible()
    expect(waiting).to_have_text("1")
    assert Check.objects.filter(employee_id=health.a[0].pk).count() == 1
    station_url = page.url
    sign_in(page, live_server.url, "gate_a", password)
    page.goto(station_url)
    expect(waiting).to_have_text("0", timeout=10_000)
    expect(page.locator("[data-testid=auth-problem]")).to_be_hidden()
    assert Check.objects.filter(employee_id=health.a[0].pk).count() == 2

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert [e for e in errors if "Failed to load resource" not in e] == []
    phone.close()


def _qr_video(path, text: str) -> None:
    """A Y4M clip showing the QR code of `text`: Chromium's fake camera plays it in a loop."""
    import segno

    matrix = [list(row) for row in segno.make_qr(text, error="m").matrix]
    width, height, cell = 640, 480, 10
    size = (len(matrix) + 8) * cell  # four modules of quiet zone each side
    left, top = (width - size) // 2, (height - size) // 2
    luma = bytearray([235]) * (width * height)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for y in range(top + (r + 4) * cell, top + (r + 5) * cell):
                    start = y * width + left + (c + 4) * cell
                    luma[start : start + cell] = bytes([16]) * cell
    chroma = bytes([128]) * (width * height // 4)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _frame in range(3):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


def test_the_camera_reads_a_pass(live_server, browser, health: Health, password, tmp_path):
    from tests.browser import CHROMIUM_ARGS, chromium_path

    clip = tmp_path / "pass.y4m"
    _qr_video(clip, health.code(health.a[2]))
    with_camera = browser.browser_type.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ],
    )
    try:
        context = with_camera.new_context(
            viewport={"width": 360, "height": 740}, locale="zh-CN", has_touch=True, is_mobile=True
        )
        page = context.new_page()
        sign_in(page, live_server.url, "gate_a", password)
        page.goto(f"{live_server.url}/health/station/{health.gate.pk}/")
        expect(page.locator("[data-testid=roster-info]")).to_contain_text("6")
        page.click("[data-testid=camera]")
        expect(page.locator("[data-testid=person-name]")).to_have_text("甲2", timeout=10_000)
        expect(page.locator("#st-camera")).to_be_hidden()  # the camera closes once it has read
        context.close()
    finally:
        with_camera.close()
