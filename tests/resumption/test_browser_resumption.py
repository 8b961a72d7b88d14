"""A real Chromium on 360 px phones, the same day: the officer of enterprise A sees what is
missing, fixes the masks and the isolation room (with a photo) and applies; a staff member
assigns herself, surveys on site with a photo, verifies and reports upward; the leader
approves; the enterprise shows Approved."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.translation import override
from PIL import Image
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.resumption.test_pages import cond, rp  # noqa: F401 - the fixture
from tests.test_browser_registry import sign_in
from workgate.core.models import Enterprise
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    Evidence,
    Indicator,
    ResumptionSettings,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "has_touch": True}
SHOTS = Path("/tmp/shots-pages")  # noqa: S108 - screenshots to look at, as asked


def photo_file(tmp_path: Path, name: str, colour: str) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, "JPEG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def shot(page, name: str) -> None:
    screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_apply_survey_verify_report_and_approve_on_phones(
    live_server,
    browser,
    rp,  # noqa: F811
    password,
    tmp_path,
) -> None:
    world = rp
    base = live_server.url
    # The application goes in before the same-day cut-off whatever the hour the suite runs at
    # (at the default 16:00 an evening run saw it due tomorrow, without the "due today" badge).
    ResumptionSettings.objects.update_or_create(
        community=world.community, defaults={"cutoff": dt.time(23, 59, 59)}
    )
    mask = cond(world, Indicator.MASK_DAYS)
    room = cond(world, Indicator.ISOLATION_ROOM)

    # The officer: what is missing, and why.
    phone = browser.new_context(**PHONE, is_mobile=True)
    officer = phone.new_page()
    sign_in(officer, base, "officer_a", password)
    officer.goto(f"{base}/resumption/mine/")
    mask_card = officer.locator(f"#cond-{mask.pk}")
    expect(mask_card).to_have_attribute("data-met", "no")
    expect(mask_card.locator("[data-testid=cond-reason]")).to_be_visible()
    fits(officer)
    shot(officer, "resumption-enterprise-missing-360-zh")

    # Masks: typed the way a clerk does.
    mask_card.locator("[data-testid=entry-value]").fill("1,200")
    mask_card.locator("[data-testid=entry-save]").tap()
    expect(officer.locator(f"#cond-{mask.pk}")).to_have_attribute("data-met", "yes")

    # The isolation room: where, and a photo of it.
    room_card = officer.locator(f"#cond-{room.pk}")
    room_card.locator("[data-testid=entry-text]").fill("二号楼105室")
    room_card.locator("[data-testid=entry-save]").tap()
    room_card = officer.locator(f"#cond-{room.pk}")
    expect(room_card.locator("[data-testid=evidence-photo]")).to_have_attribute(
        "capture", "environment"
    )
    room_card.locator("[data-testid=evidence-photo]").set_input_files(
        str(photo_file(tmp_path, "room.jpg", "teal"))
    )
    room_card.locator("[data-testid=evidence-upload]").tap()
    room_card = officer.locator(f"#cond-{room.pk}")
    expect(room_card).to_have_attribute("data-met", "yes")
    thumb = room_card.locator("img.rs-thumb")
    expect(thumb).to_have_count(1)
    assert officer.evaluate("(img) => img.naturalWidth", thumb.element_handle()) > 0
    assert Evidence.objects.filter(enterprise=world.enterprise_a, kind="photo").count() == 1

    # Apply: today, a plan, a justification for each mandatory condition still not met.
    officer.locator("[data-testid=planned-date]").fill(timezone.localdate().isoformat())
    officer.locator("[data-testid=plan]").fill("一车间先复工，二车间错峰上班")
    justifications = officer.locator("[data-testid=justify]")
    expect(justifications.first).to_be_visible()
    for i in range(justifications.count()):
        justifications.nth(i).fill("已有替代措施，三天内补齐")
    fits(officer)
    shot(officer, "resumption-enterprise-apply-360-zh")
    officer.locator("[data-testid=submit-application]").tap()
    expect(officer.locator("[data-testid=app-link]")).to_be_visible()
    app = Application.objects.get(enterprise=world.enterprise_a)
    assert app.state == Application.State.SUBMITTED
    fits(officer)

    # Staff on a phone: the queue, assign herself, survey with a photo, verify, report.
    staff_phone = browser.new_context(**PHONE, is_mobile=True)
    staff = staff_phone.new_page()
    sign_in(staff, base, "staff", password)
    staff.goto(f"{base}/resumption/applications/")
    expect(staff.locator("[data-testid=due-today-badge]")).to_have_count(1)
    fits(staff)
    shot(staff, "resumption-queue-360-zh")
    staff.locator("[data-testid=app-link]").first.tap()
    staff.locator("[data-testid=do-assign]").tap()
    staff.locator("[data-testid=go-survey]").tap()
    items = staff.locator("[data-testid=survey-item]")
    expect(items.first).to_be_visible()
    for i in range(items.count()):
        items.nth(i).locator("[data-testid=survey-ok]").check()
    staff.locator("[data-testid=survey-photos-input]").set_input_files(
        [
            str(photo_file(tmp_path, "gate.jpg", "orange")),
            str(photo_file(tmp_path, "hall.jpg", "navy")),
        ]
    )
    staff.locator("[data-testid=survey-note]").fill("现场查看，门岗测温正常")
    fits(staff)
    shot(staff, "resumption-survey-360-zh")
    staff.locator("[data-testid=survey-save]").tap()
    photos = staff.locator("[data-testid=survey-photos] img")
    expect(photos).to_have_count(2)
    for i in range(2):
        photos.nth(i).scroll_into_view_if_needed()
        expect(photos.nth(i)).to_have_js_property("complete", True)
        assert photos.nth(i).evaluate("(img) => img.naturalWidth") > 0
    staff.locator("[data-testid=do-verify]").tap()
    expect(staff.locator("[data-testid=do-report]")).to_be_visible()
    staff.locator("[data-testid=do-report]").tap()
    expect(staff.locator("[data-testid=do-report]")).to_have_count(0)
    fits(staff)
    shot(staff, "resumption-application-reported-360-zh")

    # The leader approves.
    leader_phone = browser.new_context(**PHONE, is_mobile=True)
    leader = leader_phone.new_page()
    sign_in(leader, base, "leader", password)
    leader.goto(f"{base}/resumption/applications/{app.pk}/")
    leader.locator("[data-testid=do-approve]").tap()
    expect(leader.locator("[data-testid=do-approve]")).to_have_count(0)
    with override("zh-hans"):
        approved = str(Enterprise.Status.APPROVED.label)
    expect(leader.locator("[data-testid=ent-status]")).to_contain_text(approved)

    # The officer's page shows it approved, with "we have started work".
    officer.goto(f"{base}/resumption/mine/")
    expect(officer.locator("[data-testid=ent-status]")).to_have_text(approved)
    expect(officer.locator("[data-testid=mark-resumed]")).to_be_visible()
    fits(officer)
    shot(officer, "resumption-enterprise-approved-360-zh")
    assert list(ApplicationStep.objects.values_list("action", flat=True)) == [
        "submit",
        "assign",
        "survey",
        "verify",
        "report",
        "approve",
    ]
    # And in English.
    officer.click("[data-testid=lang-en]")
    officer.goto(f"{base}/resumption/mine/")
    expect(officer.locator("[data-testid=ent-status]")).to_have_text("Approved")
    shot(officer, "resumption-enterprise-approved-360-en")
    # The community's conditions and settings, on the staff phone.
    staff.goto(f"{base}/resumption/conditions/")
    expect(staff.locator("[data-testid=condition-row]")).to_have_count(9)
    fits(staff)
    shot(staff, "resumption-conditions-360-zh")
    for context in (phone, staff_phone, leader_phone):
        context.close()
