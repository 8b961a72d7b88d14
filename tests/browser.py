"""Playwright with the system Chromium (Debian's package), or Playwright's own browser if present.

Browser tests never skip silently in CI: without a browser they fail and say how to install one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

SCREENSHOTS = Path(os.environ.get("WORKGATE_VAR_DIR", "var")) / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import Error, sync_playwright

    executable = chromium_path()
    # Playwright's sync API runs an event loop in the test thread; Django's ORM, called by the
    # fixtures in the same thread, would otherwise refuse to run. Only while the browser is up.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except Error as exc:
            message = (
                "No browser for the browser tests: install Debian's chromium package "
                f"(apt-get install chromium). Playwright said: {str(exc).splitlines()[0]}"
            )
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


@pytest.fixture(scope="session", autouse=True)
def _live_server_serialises_requests_on_sqlite() -> Iterator[None]:
    """The live server answers in threads, and on SQLite's in-memory test database they all
    share the test's one connection: two requests at once (a page's photos, say) can break it
    ("bad parameter or other API misuse"). There, requests are served one at a time; browsers
    still open connections in parallel. PostgreSQL gives each thread its own connection."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    if connection.vendor != "sqlite":
        yield
        return

    class SerialServer(ThreadedWSGIServer):
        def set_app(self, application):
            lock = threading.Lock()

            def serial(environ, start_response):
                with lock:
                    return application(environ, start_response)

            super().set_app(serial)

    original = LiveServerThread.server_class
    LiveServerThread.server_class = SerialServer
    yield
    LiveServerThread.server_class = original
