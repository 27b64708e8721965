"""Every demo user's pages, at a desktop and a phone size: none scrolls sideways, none logs
a console error, and axe-core finds no WCAG 2.1 A or AA violation.

The crawl is bounded: the workspace navigation, then from each of its pages the first
record of each list and the "new" forms, deduplicated by path, at most `MAX_PAGES`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route

from atlas.demo import DEMO_PASSWORD, DEMO_USERS, DemoUser
from tests.conftest import _new_database
from tests.e2e.conftest import sign_in
from tests.process import cli_env, serving

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# Served from the app's origin by the browser context, so the pages' CSP stays enforced.
AXE_URL = "/__tests__/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
MAX_PAGES = 40

NAV_LINKS = "nav[aria-label='Workspace'] a[href]"
# The first record of each list, and the links to the "new" forms.
PAGE_LINKS = "table tbody tr:first-child a[href], a[href$='/new']"

AUDIT = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id, help: v.help, targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""
# How far the page scrolls sideways, and the outermost elements that stick out.
OVERFLOW = """() => {
  const over = [...document.querySelectorAll('body *')].filter(e =>
    e.getBoundingClientRect().right > window.innerWidth &&
    !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth));
  return [document.documentElement.scrollWidth - window.innerWidth,
          over.slice(0, 3).map(e => [e.tagName.toLowerCase(), ...e.classList].join('.'))];
}"""


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`atlas-erp serve --demo` on a database of its own."""
    log = tmp_path_factory.mktemp("demo") / "server.log"
    with (
        _new_database("atlas_a11y") as settings,
        serving(["--demo"], cli_env(settings), log) as (
            base,
            _,
        ),
    ):
        yield base


def open_context(chromium: Browser, base: str, size: str) -> BrowserContext:
    context = chromium.new_context(base_url=base, viewport=SIZES[size], locale="en-US")
    # Axe audits a page in a second or two, longer on a loaded machine.
    context.set_default_timeout(30_000)
    axe = AXE.read_bytes()

    def serve_axe(route: Route) -> None:
        route.fulfill(body=axe, content_type="text/javascript")

    context.route(f"**{AXE_URL}", serve_axe)
    return context


class Checker:
    """One signed-in page that visits paths and records what is wrong on each."""

    def __init__(self, context: BrowserContext, user: DemoUser, size: str) -> None:
        self.size = size
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        sign_in(self.page, user.email, DEMO_PASSWORD)
        self.problems: list[str] = []

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def check(self, path: str) -> None:
        self.errors.clear()
        response = self.page.goto(path)
        where = f"{path} at {self.size}"
        assert response is not None, where
        assert response.ok, f"{where}: {response.status}"
        overflow, wide = self.page.evaluate(OVERFLOW)
        if overflow > 0:
            self.problems.append(f"{where}: scrolls sideways by {overflow}px: {', '.join(wide)}")
        self.page.add_script_tag(url=AXE_URL)
        for violation in self.page.evaluate(AUDIT, WCAG_TAGS):
            targets = ", ".join(violation["targets"])
            self.problems.append(f"{where}: {violation['id']} ({violation['help']}): {targets}")
        self.problems += [f"{where}: {error}" for error in self.errors]

    def links(self, selector: str, prefix: str) -> list[str]:
        hrefs: list[str] = self.page.eval_on_selector_all(
            selector, "links => links.map(a => a.href)"
        )
        paths = (urlsplit(href).path for href in hrefs)
        return [path for path in paths if path.startswith(prefix)]


def crawl(checker: Checker) -> list[str]:
    """Checks the landing workspace's pages as it finds them; returns the paths visited."""
    if not urlsplit(checker.page.url).path.startswith("/w/"):
        # A member of several workspaces lands on the list: the first one it names.
        checker.page.goto(checker.links("main a[href^='/w/']", "/w/")[0])
    prefix = urlsplit(checker.page.url).path
    assert prefix.startswith("/w/"), prefix
    nav = list(dict.fromkeys(checker.links(NAV_LINKS, prefix)))
    visited: list[str] = []
    found: list[str] = []
    for path in nav:
        checker.check(path)
        visited.append(path)
        found += checker.links(PAGE_LINKS, prefix)
    for path in dict.fromkeys(found):
        if path in visited or len(visited) >= MAX_PAGES:
            continue
        checker.check(path)
        visited.append(path)
    return visited


@pytest.mark.parametrize("user", DEMO_USERS, ids=[user.email for user in DEMO_USERS])
def test_every_page_is_accessible_and_fits(
    demo_server: str, chromium: Browser, user: DemoUser
) -> None:
    # demo_server first: its database is made with asyncio.run, before Playwright's loop.
    desktop = open_context(chromium, demo_server, "desktop")
    phone = open_context(chromium, demo_server, "phone")
    try:
        wide = Checker(desktop, user, "1366x900")
        paths = crawl(wide)
        narrow = Checker(phone, user, "390x844")
        for path in paths:
            narrow.check(path)
    finally:
        desktop.close()
        phone.close()
    # The crawl reached past the navigation: records and forms too.
    assert any(path.endswith("/new") for path in paths), paths
    problems = wide.problems + narrow.problems
    assert problems == [], "\n".join(problems)
