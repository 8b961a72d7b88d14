"""Sign in as each demo role and screenshot the main pages in both languages.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 PASSWORD [OUT_DIR]

Uses the system Chromium. For looking at the pages as a user would, not for tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "staff": [
        "/",
        "/registry/enterprises/",
        "/audit/",
        "/tokens/",
        "/api/v1/docs",
        "/health/rounds/",
        "/health/rounds/missing/",
        "/health/incidents/",
        "/notifications/",
    ],
    "leader": ["/", "/health/incidents/"],
    "officer": ["/", "/registry/enterprises/", "/health/rounds/", "/health/incidents/"],
    "gate": ["/", "/health/station/", "/health/rounds/grid/"],
    "employee": ["/", "/health/pass/", "/health/declare/"],
}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main(base: str, password: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang, locale in (("zh", "zh-CN"), ("en", "en-GB")):
            for width in (1280, 360):
                for user, paths in PAGES.items():
                    ctx = browser.new_context(
                        viewport={"width": width, "height": 900}, locale=locale
                    )
                    page = ctx.new_page()
                    page.goto(base + "/login/")
                    page.fill("input[name=username]", user)
                    page.fill("input[name=password]", password)
                    page.click("main form button[type=submit]")
                    page.wait_for_load_state("networkidle")
                    for path in paths:
                        page.goto(base + path)
                        page.wait_for_load_state("networkidle")
                        page.wait_for_timeout(800)  # let chart animations finish
                        name = path.strip("/").replace("/", "-") or "home"
                        page.screenshot(
                            path=str(out / f"{lang}-{width}-{user}-{name}.png"), full_page=True
                        )
                    ctx.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3] if len(sys.argv) > 3 else "var/screenshots"))
