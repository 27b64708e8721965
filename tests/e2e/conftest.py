"""Browser tests: Playwright driving Debian's Chromium against the real server.

The browser is never downloaded: it is `ATLAS_CHROMIUM`, else `chromium` on PATH
(`make test` installs Debian's package when it may). Without one the tests are skipped
with the reason, unless `ATLAS_REQUIRE_BROWSER=1` (CI), which makes that a failure.
Each flow saves screenshots under `test-results/screenshots/`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
# Quiet and offline: this machine's network is closed, and Chromium would keep trying.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
]


def chromium_path() -> str | None:
    configured = os.environ.get("ATLAS_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Module scope: the sync API runs an event loop in this thread while it is started, and
# the suite's other tests (asyncio.run) must not meet it.
@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    if chromium_path() is None:
        message = "Chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("ATLAS_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def new_context(chromium: Browser, server: str) -> Iterator[Callable[[], BrowserContext]]:
    """`new_context()` opens a fresh browser context (its own cookies) on the server."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = chromium.new_context(
            base_url=server, viewport={"width": 1280, "height": 900}, locale="en-US"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def shot(page: Page, name: str) -> Path:
    """Saves a full-page screenshot as test-results/screenshots/{name}.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
