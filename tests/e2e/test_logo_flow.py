"""In a real browser: a logo uploaded on the settings page, drawn there and on the printed
invoice, refused when it is an SVG, then removed."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Locator, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.finance.helpers import new_customer, new_invoice
from tests.workspaces import images

NewContext = Callable[[], BrowserContext]


def drawn_size(image: Locator) -> list[int]:
    """The image as the browser decoded it: its own pixels (0 when it failed to load)."""
    image.evaluate("img => img.decode()")
    size: list[int] = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    return size


def test_a_logo_is_uploaded_printed_and_removed(factory: Factory, new_context: NewContext) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name="Logo Co")
    invoice = new_invoice(owner, ws, new_customer(owner, ws))
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/settings")

    page.get_by_label("Logo image").set_input_files(
        {"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": images.SVG}
    )
    page.get_by_role("button", name="Upload logo").click()
    expect(page.locator("#logo-error")).to_have_text("must be a PNG, JPEG or WebP image")
    expect(page.get_by_role("alert")).to_contain_text("SVG is not accepted")

    page.get_by_label("Logo image").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": images.png(30, 20)}
    )
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_text("Logo saved.")).to_be_visible()
    assert drawn_size(page.get_by_role("img", name="The current logo")) == [30, 20]
    shot(page, "logo-01-settings")

    page.goto(f"/w/{ws['slug']}/invoices/{invoice['id']}/print")
    printed = page.locator("#seller img.seller-logo")
    assert drawn_size(printed) == [30, 20]
    box = printed.bounding_box()
    assert box is not None
    assert (round(box["width"]), round(box["height"])) == (30, 20)
    shot(page, "logo-02-printed-invoice")

    page.goto(f"/w/{ws['slug']}/settings")
    page.get_by_role("button", name="Remove the logo").click()
    expect(page.get_by_text("Logo removed.")).to_be_visible()
    expect(page.get_by_role("img", name="The current logo")).to_have_count(0)
