"""The invoice's PDF and its sending from the invoice's page."""

from __future__ import annotations

import io
import secrets

from pypdf import PdfReader

from tests.factories import Factory
from tests.finance.helpers import issue, new_customer, new_invoice, new_tenant
from tests.web.conftest import BrowserFor
from tests.web.helpers import field_error, redirected_to, text


def test_the_invoice_page_downloads_its_pdf_and_a_draft_has_none(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    base = f"/w/{t.ws['slug']}/invoices"
    page = browser.get(f"{base}/{t.issued['id']}")
    assert f'href="{base}/{t.issued["id"]}/pdf"' in page.text
    pdf = browser.get(f"{base}/{t.issued['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="{t.issued["number"]}.pdf"'
    )
    assert t.issued["number"] in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()

    draft_page = browser.get(f"{base}/{t.draft['id']}")
    assert "Download PDF" not in draft_page.text
    assert "Send by email" not in draft_page.text
    refused = browser.get(f"{base}/{t.draft['id']}/pdf")
    assert refused.status_code == 409
    assert "a draft has no document yet: issue it first." in text(refused)


def test_the_form_sends_the_invoice_and_the_page_says_so(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    email = f"ap-{secrets.token_hex(4)}@example.com"
    customer = new_customer(t.owner, t.ws, email=email)
    invoice = issue(t.owner, t.ws, new_invoice(t.owner, t.ws, customer))
    browser = browser_for(t.owner)
    url = f"/w/{t.ws['slug']}/invoices/{invoice['id']}"
    page = browser.get(url)
    assert "Not sent yet." in text(page)
    assert f'name="to" type="email" value="{email}"' in page.text
    assert f"Invoice {invoice['number']} from {t.ws['name']}" in page.text

    sent = browser.post(
        f"{url}/send",
        {"to": email, "subject": "Your invoice", "message": "Attached.\nThanks"},
    )
    assert redirected_to(sent) == url
    shown = text(browser.get(url))
    assert f"Invoice sent to {email}." in shown
    assert f"Sent to {email} on " in shown
    (queued,) = factory.sql.owner(
        "SELECT subject, body, attachment_filename FROM outbox_messages WHERE to_email = %s",
        email,
    )
    assert queued == {
        "subject": "Your invoice",
        "body": "Attached.\nThanks",
        "attachment_filename": f"{invoice['number']}.pdf",
    }


def test_a_refused_send_shows_on_the_field_with_what_was_typed(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)  # its customer has no email address
    browser = browser_for(t.owner)
    url = f"/w/{t.ws['slug']}/invoices/{t.issued['id']}"
    assert 'name="to" type="email" value=""' in browser.get(url).text

    refused = browser.post(f"{url}/send", {"subject": "Kept subject"})
    assert refused.status_code == 422
    assert field_error(refused.text, "to") == "required: the customer has no email address"
    assert 'value="Kept subject"' in refused.text
    invalid = browser.post(f"{url}/send", {"to": "not-an-address"})
    assert invalid.status_code == 422
    assert 'value="not-an-address"' in invalid.text
    stored = factory.sql.owner(
        "SELECT id FROM invoice_sends WHERE workspace_id = %s", t.ws["id"], workspace=t.ws["id"]
    )
    assert stored == []


def test_a_viewer_downloads_the_pdf_but_sees_no_send_form(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    viewer = browser_for(factory.member(t.ws, "viewer"))
    page = viewer.get(f"/w/{t.ws['slug']}/invoices/{t.issued['id']}")
    assert "Download PDF" in page.text
    assert "Send by email" not in page.text


def test_the_print_view_names_the_sellers_paper(factory: Factory, browser_for: BrowserFor) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    url = f"/w/{t.ws['slug']}/invoices/{t.issued['id']}/print"
    assert '<body class="print-page paper-letter">' in browser.get(url).text  # en-US
    changed = t.owner.patch(f"/api/v1/workspaces/{t.ws['id']}", json={"locale": "en-GB"})
    assert changed.status_code == 200, changed.text
    assert '<body class="print-page paper-a4">' in browser.get(url).text
