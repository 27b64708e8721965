"""Every page a demo user can reach by following links works, and none has inline code.

The demo is served by `atlas-erp serve --demo` in its own process and database; each demo
user signs in and follows every link of every page they reach (GET only), breadth first.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag

import httpx
import pytest

from atlas.config import Settings
from atlas.demo import DEMO_PASSWORD, DEMO_USERS
from tests.process import cli_env, serving
from tests.web.helpers import form_token

MAX_PAGES = 400
# Paging, sorting and the timesheet's weeks go on forever: a few variants of a page suffice.
VARIANTS_PER_PAGE = 3
SKIPPED = ("/static/", "/api/")
LINK = re.compile(r'href="(/[^"]*)"')
INLINE_CODE = (
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # an inline script
    re.compile(r"<[a-z][^>]*\sstyle=", re.I),  # an inline style attribute
    re.compile(r"<[a-z][^>]*\son[a-z]+=", re.I),  # an inline event handler
    re.compile(r"javascript:", re.I),
)


@pytest.fixture
def demo(empty_database: Settings, tmp_path: Path) -> Iterator[str]:
    with serving(["--demo"], cli_env(empty_database), tmp_path / "server.log") as (base, _):
        yield base


def crawl(base: str, email: str) -> dict[str, int]:
    """Every page reachable from `/` by links, and its status."""
    with httpx.Client(base_url=base, timeout=30) as http:
        token = form_token(http.get("/sign-in"))  # and the CSRF cookie, as for a browser
        form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
        signed = http.post("/sign-in", data=form)
        assert signed.status_code == 303, signed.text[:300]
        seen: dict[str, int] = {}
        variants: Counter[str] = Counter()
        queue = deque(["/"])
        while queue and len(seen) < MAX_PAGES:
            path = queue.popleft()
            base = path.split("?")[0]
            if path in seen or variants[base] >= VARIANTS_PER_PAGE:
                continue
            variants[base] += 1
            resp = http.get(path, follow_redirects=True)
            seen[path] = resp.status_code
            if resp.status_code != 200 or "text/html" not in resp.headers["content-type"]:
                continue
            for pattern in INLINE_CODE:
                assert not pattern.search(resp.text), f"{path}: {pattern.pattern}"
            for link in LINK.findall(resp.text):
                target = urldefrag(link.replace("&amp;", "&"))[0]
                if not target.startswith(SKIPPED) and target not in seen:
                    queue.append(target)
        return seen


def test_every_linked_page_works_for_each_demo_user(demo: str) -> None:
    for user in DEMO_USERS:
        pages = crawl(demo, user.email)
        broken = {path: status for path, status in pages.items() if status != 200}
        assert broken == {}, user.email
        assert len(pages) >= 40, (user.email, sorted(pages))
        areas = {p.split("/")[3] for p in pages if p.startswith("/w/") and p.count("/") > 3}
        assert {"projects", "employees", "leave", "invoices", "customers", "settings"} <= areas
