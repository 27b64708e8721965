"""In a real browser: a filtered list's "Download CSV" saves every row its filters match."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import BrowserContext

from atlas.pagination import MAX_LIMIT
from tests.e2e.conftest import sign_in
from tests.factories import Factory
from tests.finance.helpers import many_customers, new_customer

NewContext = Callable[[], BrowserContext]


def test_download_a_filtered_list(factory: Factory, new_context: NewContext) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    made = many_customers(factory.sql, ws, MAX_LIMIT + 5, "Bulk")
    new_customer(owner, ws, name="Other Ltd")
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/customers")
    page.get_by_role("searchbox", name="Search", exact=True).fill("bulk")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    with page.expect_download() as started:
        page.get_by_role("link", name="Download CSV").click()
    download = started.value
    today = datetime.now(UTC).date().isoformat()
    assert download.suggested_filename == f"customers-{today}.csv"
    saved = Path(download.path()).read_text(encoding="utf-8")
    names = [row["Name"] for row in csv.DictReader(io.StringIO(saved))]
    assert names == [c["name"] for c in made]
