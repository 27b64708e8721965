"""An invoice's PDF and its sending by email, over real HTTP: what the document holds, which
invoices have one, what the outbox, the invoice and the audit trail record."""

from __future__ import annotations

import io
import re
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import pytest
from pypdf import PdfReader

from atlas.web import documents
from atlas.web.assets import asset
from atlas.web.documents import BASE_URL, RefusedAddress, pdf_of_html, stylesheet
from tests.audit.helpers import events
from tests.factories import Actor, Factory
from tests.finance.helpers import issue, line, new_customer, new_invoice
from tests.sql import Sql
from tests.workspaces import images

SELLER = {"legal_name": "Initrode Consulting GmbH", "tax_id": "DE123456789"}
# The papers in points, as PDF measures pages: Letter is 8.5 x 11 in, A4 210 x 297 mm.
LETTER = (612, 792)
A4 = (595, 842)


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


@pytest.fixture
def ws(factory: Factory, owner: Actor) -> dict[str, Any]:
    ws = factory.workspace(owner)
    resp = owner.patch(f"/api/v1/workspaces/{ws['id']}", ws=ws, json=SELLER)
    assert resp.status_code == 200, resp.text
    return ws


def _issued(owner: Actor, ws: dict[str, Any], **customer: Any) -> dict[str, Any]:
    buyer = new_customer(owner, ws, **customer)
    lines = [line("2", "150.00", "19", "Design"), line("1", "80.00", "19", "Hosting")]
    return issue(owner, ws, new_invoice(owner, ws, buyer, lines=lines))


def _pdf(owner: Actor, ws: dict[str, Any], invoice: dict[str, Any]) -> PdfReader:
    resp = owner.get(f"/api/v1/invoices/{invoice['id']}/pdf", ws=ws)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    return PdfReader(io.BytesIO(resp.content))


def _text(reader: PdfReader) -> str:
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_pdf_prints_the_workspaces_logo(owner: Actor, ws: dict[str, Any]) -> None:
    invoice = _issued(owner, ws)
    without = _pdf(owner, ws, invoice).pages[0].images
    assert len(without) == 0
    logo = images.png(30, 20)
    headers = {"Content-Type": "image/png"}
    stored = owner.put("/api/v1/workspace/logo", ws=ws, content=logo, headers=headers)
    assert stored.status_code in (200, 201), stored.text
    (printed,) = _pdf(owner, ws, invoice).pages[0].images
    assert (printed.image.width, printed.image.height) == (30, 20)


def test_the_pdf_is_one_page_with_the_seller_the_customer_and_the_lines(
    owner: Actor, ws: dict[str, Any]
) -> None:
    invoice = _issued(owner, ws, name=f"Globex {secrets.token_hex(3)}")
    resp = owner.get(f"/api/v1/invoices/{invoice['id']}/pdf", ws=ws)
    assert resp.headers["content-disposition"] == f'attachment; filename="{invoice["number"]}.pdf"'
    reader = _pdf(owner, ws, invoice)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == LETTER  # an en-US seller
    printed = _text(reader)
    for shown in (
        SELLER["legal_name"],
        f"Tax ID: {SELLER['tax_id']}",
        invoice["customer_name"],
        invoice["number"],
        "Design",
        "Hosting",
        "$452.20",  # 380.00 + 19 % tax
    ):
        assert shown in printed, (shown, printed)


@pytest.mark.parametrize(
    ("locale", "paper"), [("en-US", LETTER), ("de-DE", A4), ("en-GB", A4), ("fr-FR", A4)]
)
def test_the_paper_is_letter_in_the_united_states_and_a4_elsewhere(
    owner: Actor, ws: dict[str, Any], locale: str, paper: tuple[int, int]
) -> None:
    changed = owner.patch(f"/api/v1/workspaces/{ws['id']}", ws=ws, json={"locale": locale})
    assert changed.status_code == 200, changed.text
    invoice = _issued(owner, ws)
    resp = owner.get(f"/api/v1/invoices/{invoice['id']}/pdf", ws=ws)
    assert resp.status_code == 200, resp.text
    reader = PdfReader(io.BytesIO(resp.content))
    assert len(reader.pages) == 1
    # The page's size as the PDF states it (its MediaBox).
    box = reader.pages[0].mediabox
    assert (float(box.left), float(box.bottom)) == (0, 0)
    assert abs(float(box.width) - paper[0]) <= 1
    assert abs(float(box.height) - paper[1]) <= 1
    assert invoice["number"] in _text(reader)


def test_a_draft_has_no_pdf(owner: Actor, ws: dict[str, Any]) -> None:
    draft = new_invoice(owner, ws, new_customer(owner, ws))
    resp = owner.get(f"/api/v1/invoices/{draft['id']}/pdf", ws=ws)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "invoice_not_issued"


def test_a_void_invoice_prints_void_and_is_not_sent(owner: Actor, ws: dict[str, Any]) -> None:
    invoice = _issued(owner, ws, email="ap@example.com")
    assert owner.post(f"/api/v1/invoices/{invoice['id']}/void", ws=ws).status_code == 200
    assert "VOID" in _text(_pdf(owner, ws, invoice))
    resp = owner.post(f"/api/v1/invoices/{invoice['id']}/send", ws=ws, json={})
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "invoice_not_sendable"


def test_sending_queues_the_pdf_and_records_the_send(
    owner: Actor, ws: dict[str, Any], sql: Sql
) -> None:
    email = f"ap-{secrets.token_hex(4)}@example.com"
    invoice = _issued(owner, ws, email=email)
    resp = owner.post(f"/api/v1/invoices/{invoice['id']}/send", ws=ws, json={})
    assert resp.status_code == 201, resp.text
    sent = resp.json()
    subject = f"Invoice {invoice['number']} from {ws['name']}"
    assert (sent["to_email"], sent["subject"], sent["sent_by_user_id"]) == (
        email,
        subject,
        str(owner.id),
    )

    (queued,) = sql.owner("SELECT * FROM outbox_messages WHERE to_email = %s", email)
    assert queued["workspace_id"] == ws["id"]
    assert queued["subject"] == subject
    assert f"Please find attached invoice {invoice['number']}, due on" in queued["body"]
    assert queued["attachment_filename"] == f"{invoice['number']}.pdf"
    assert queued["attachment_content_type"] == "application/pdf"
    attached = PdfReader(io.BytesIO(queued["attachment_content"]))
    assert SELLER["legal_name"] in _text(attached)

    (recorded,) = sql.owner(
        "SELECT * FROM invoice_sends WHERE invoice_id = %s", invoice["id"], workspace=ws["id"]
    )
    assert (recorded["to_email"], recorded["subject"]) == (email, subject)
    (event,) = events(owner, ws, entity_type="invoice_send")["items"]
    assert event["action"] == "invoice_send.created"
    assert event["changes"]["to_email"] == {"old": None, "new": email}
    assert event["changes"]["invoice_id"] == {"old": None, "new": invoice["id"]}
    assert "Please find attached" not in str(event)  # the message stays in the outbox


def test_the_address_subject_and_message_may_be_given(
    owner: Actor, ws: dict[str, Any], sql: Sql
) -> None:
    invoice = _issued(owner, ws)  # the customer has no email address
    url = f"/api/v1/invoices/{invoice['id']}/send"
    refused = owner.post(url, ws=ws, json={})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "customer_has_no_email"
    assert refused.json()["error"]["details"][0]["field"] == "to"

    to = f"billing-{secrets.token_hex(4)}@example.com"
    body = {"to": to, "subject": "Your invoice", "message": "See the PDF.\nThanks!"}
    assert owner.post(url, ws=ws, json=body).status_code == 201
    (queued,) = sql.owner("SELECT subject, body FROM outbox_messages WHERE to_email = %s", to)
    assert queued == {"subject": "Your invoice", "body": "See the PDF.\nThanks!"}
    not_an_address = owner.post(url, ws=ws, json={"to": "nobody"})
    assert not_an_address.status_code == 422


def test_a_draft_is_not_sent(owner: Actor, ws: dict[str, Any], sql: Sql) -> None:
    draft = new_invoice(owner, ws, new_customer(owner, ws, email="x@example.com"))
    resp = owner.post(f"/api/v1/invoices/{draft['id']}/send", ws=ws, json={})
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "invoice_not_sendable"
    assert sql.owner("SELECT id FROM invoice_sends WHERE workspace_id = %s", ws["id"]) == []


# The document loads nothing from the network


def test_only_our_static_stylesheets_are_loaded() -> None:
    app_css = asset("app.css")
    assert stylesheet(f"{BASE_URL.rstrip('/')}{app_css}").startswith(b"/*")
    for refused in (
        "https://example.com/static/app.css",
        "http://atlas.invalid/static/app.css",
        f"{BASE_URL}static/app.js",
        f"{BASE_URL}static/../../config.py",
        f"{BASE_URL}static/missing.css",
        f"{BASE_URL}w/acme/invoices",
        "file:///etc/passwd",
        "data:text/css,body{color:red}",
    ):
        with pytest.raises(RefusedAddress):
            stylesheet(refused)


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on loopback that records every request it gets."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def test_a_document_that_names_other_addresses_fetches_none(
    listener: tuple[str, list[str]],
) -> None:
    url, asked = listener
    html = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{url}/remote.css">
      <link rel="stylesheet" href="{asset("finance.css")}">
      <style>@import url("{url}/imported.css"); body {{ background: url("{url}/bg.png") }}</style>
      </head><body><p>Offline</p><img src="{url}/logo.png" alt="logo"></body></html>"""
    pdf = anyio.run(pdf_of_html, html)
    assert asked == []
    assert re.match(rb"%PDF-\d", pdf)
    assert "Offline" in _text(PdfReader(io.BytesIO(pdf)))


def test_rendering_runs_in_a_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []
    render = documents._renderer()

    def watched(html: str, shown: documents.Images) -> bytes:
        threads.append(threading.current_thread())
        return render(html, shown)

    monkeypatch.setattr(documents, "_renderer", lambda: watched)
    assert anyio.run(pdf_of_html, "<p>Off the loop</p>").startswith(b"%PDF")
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()  # anyio.run's loop runs in this one
