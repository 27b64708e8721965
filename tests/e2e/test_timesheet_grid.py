"""In a real browser: hours typed into the timesheet's week grid with the keyboard, saved
and shown again; an entry's note edited in place; the grid on a phone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.projects.helpers import new_project, new_task
from tests.timesheets.helpers import new_employee, new_time_entry

NewContext = Callable[[], BrowserContext]
WEEK = "2026-11-30"  # a Monday


def _tenant(factory: Factory) -> tuple[Any, dict[str, Any], dict[str, Any], dict[str, Any]]:
    owner = factory.user()
    ws = factory.workspace(owner, name="Grid Co")
    new_employee(factory.sql, ws, owner)
    web = new_project(owner, ws, code="WEB", name="Website")
    task = new_task(owner, ws, web, title="Wireframes")
    return owner, ws, web, task


def test_hours_typed_with_the_keyboard_are_saved_and_shown_again(
    factory: Factory, new_context: NewContext
) -> None:
    owner, ws, _, task = _tenant(factory)
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/timesheet?week={WEEK}")
    expect(page.get_by_text("No time logged this week.")).to_be_visible()
    page.get_by_label("Project").select_option(label="WEB · Website")
    page.get_by_label("Task").select_option(label=f"{task['key']} Wireframes")
    page.get_by_role("button", name="Add row").click()
    monday = page.get_by_label(f"Hours on Mon 30 Nov for {task['key']}")
    monday.click()
    page.keyboard.type("2.5")
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("0.75")
    expect(page.locator("#week-total")).to_have_text("4.25")  # added up as typed
    page.keyboard.press("Enter")  # the grid's default button saves
    expect(page.get_by_text("Timesheet saved: 3 added, 0 changed, 0 removed.")).to_be_visible()
    page.reload()
    expect(monday).to_have_value("2.50")
    expect(page.get_by_label(f"Hours on Tue 1 Dec for {task['key']}")).to_have_value("1.00")
    expect(page.get_by_label(f"Hours on Wed 2 Dec for {task['key']}")).to_have_value("")
    expect(page.get_by_label(f"Hours on Thu 3 Dec for {task['key']}")).to_have_value("0.75")
    expect(page.locator("#week-total")).to_have_text("4.25")
    shot(page, "40-timesheet-grid-saved")
    entries = owner.get("/api/v1/time-entries", ws=ws, params={"sort": "entry_date"}).json()
    assert [(e["entry_date"], e["hours"]) for e in entries["items"]] == [
        ("2026-11-30", "2.50"),
        ("2026-12-01", "1.00"),
        ("2026-12-03", "0.75"),
    ]

    # A day past 24 hours: its cells say so, and the typed hours stay.
    page.get_by_label(f"Hours on Tue 1 Dec for {task['key']}").fill("30")
    page.get_by_role("button", name="Save timesheet", exact=True).click()
    tuesday = page.get_by_label(f"Hours on Tue 1 Dec for {task['key']}")
    expect(tuesday).to_have_value("30")
    expect(tuesday).to_have_attribute("aria-invalid", "true")

    # An entry's note, edited in its row of the list.
    page.goto(f"/w/{ws['slug']}/timesheet?week={WEEK}")
    address = page.url
    page.get_by_role("link", name="Edit the entry of Mon 30 Nov, 2.50 hours").click()
    note = page.get_by_label("Note of Mon 30 Nov")
    expect(note).to_be_visible()
    assert page.url == address  # HTMX: in place
    note.fill("Sketches")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Time entry of Mon 30 Nov saved.")).to_be_visible()
    expect(page.get_by_role("cell", name="Sketches")).to_be_visible()
    saved = owner.get("/api/v1/time-entries", ws=ws, params={"sort": "entry_date"}).json()
    assert saved["items"][0]["description"] == "Sketches"


@pytest.fixture
def phone(chromium: Browser, server: str) -> Iterator[BrowserContext]:
    context = chromium.new_context(
        base_url=server, viewport={"width": 390, "height": 844}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_the_grid_scrolls_in_its_own_box_on_a_phone(
    factory: Factory, phone: BrowserContext
) -> None:
    owner, ws, web, task = _tenant(factory)
    new_time_entry(owner, ws, web, task_id=task["id"], entry_date=WEEK, hours="3")
    page = phone.new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/timesheet?week={WEEK}")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    box = page.locator("#timesheet")
    assert box.evaluate("t => t.scrollWidth > t.clientWidth")  # wider than the screen
    name = page.get_by_role("rowheader", name="WEB · Website")
    before = name.bounding_box()
    box.evaluate("t => { t.scrollLeft = t.scrollWidth; }")
    after = name.bounding_box()
    assert before
    assert after
    assert after["x"] == before["x"]  # the first column stays
    sunday = page.get_by_label(f"Hours on Sun 6 Dec for {task['key']}")
    sunday.focus()
    page.keyboard.type("1.5")
    expect(sunday).to_have_value("1.5")
    shot(page, "41-phone-timesheet-grid")
