"""A real Chromium: an officer imports a messy roster through the pages, sees the problems row
by row, imports the good rows, opens a file and reveals a number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.factories import id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # Wait for the sign-in to land: a goto right after the click could cancel the POST.
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login/" not in page.url, f"{username} could not sign in"
    page.wait_for_load_state("networkidle")


def roster(tmp_path) -> str:
    ok = id_number("420102", dt.date(1990, 1, 15), 31)
    bad = ok[:-1] + ("0" if ok[-1] != "0" else "1")
    text = (
        "\r\n".join(
            [
                "员工花名册,,",
                "姓名,身份证号码,手机号",
                f"陈小明,{ok},138 0013 8001",
                f"林大伟,{bad},13800138002",
                "黄芳,3.30203E+17,13800138003",
            ]
        )
        + "\r\n"
    )
    path = tmp_path / "花名册.csv"
    path.write_bytes(text.encode("gb18030"))
    return str(path)


def test_officer_imports_a_roster_and_reveals_a_number(
    live_server, page, world, password, tmp_path
):
    sign_in(page, live_server.url, "officer_a", password)
    page.goto(f"{live_server.url}/registry/enterprises/{world.enterprise_a.pk}/")
    page.click("[data-testid=import-roster]")
    page.set_input_files("input[type=file]", roster(tmp_path))
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-testid=check-rows]")
    screenshot(page, "import-mapping-zh")
    page.click("[data-testid=check-rows]")
    page.wait_for_selector(".job")
    call_command("worker", "--batch", verbosity=0)
    page.wait_for_selector("[data-testid=import-errors]", timeout=15000)
    expect(page.locator("[data-testid=count-errors]")).to_have_text("2")
    errors = page.locator("[data-testid=import-errors] tbody").inner_text()
    assert "4" in errors and "5" in errors
    assert "科学计数法" in errors
    screenshot(page, "import-preview-zh")
    page.click("[data-testid=run-import]")
    call_command("worker", "--batch", verbosity=0)
    expect(page.locator("[data-testid=count-created]")).to_have_text("1", timeout=15000)
    screenshot(page, "import-done-zh")

    page.goto(f"{live_server.url}/registry/employees/?q=陈小明")
    page.click("text=陈小明")
    masked = page.locator("#id_number-value code").inner_text()
    assert "********" in masked
    page.click("[data-testid=reveal-id_number]")
    expect(page.locator("[data-testid=revealed-id_number]")).to_have_text(
        id_number("420102", dt.date(1990, 1, 15), 31)
    )
    screenshot(page, "employee-file-zh")
