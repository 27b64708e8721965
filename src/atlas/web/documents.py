"""Invoices as PDF documents, and their JSON routes.

The PDF is the print view itself: `finance/print.html` rendered by WeasyPrint with the
print stylesheets (15 mm margins, from `finance.css`), on the seller's paper: Letter for
a workspace whose locale is en-US, A4 for the others (`paper_for`). It never reaches the network:
its URL fetcher serves our own static stylesheets, read from the package, and the
workspace's logo, read from the database, and refuses every other address (another
host, a file, a data URL, a page of ours). Rendering is CPU
work and runs in a worker thread, off the event loop.

WeasyPrint is loaded on first use: it needs the system's Pango (`libpango-1.0-0`,
`libpangoft2-1.0-0`; `scripts/ensure-pango.sh` installs them), and without it the app
still serves everything else while a PDF answers 503 `pdf_unavailable`.

The JSON routes live here, beside the renderer, because the document is a page of the
web app; like the finance endpoints they only call the finance service.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urljoin, urlsplit

import anyio.to_thread
import asyncpg
from fastapi import APIRouter, Depends, status
from fastapi.responses import Response

from atlas.db.pool import TransactionRoute
from atlas.errors import ServiceUnavailable
from atlas.finance import schemas
from atlas.finance import service as finance
from atlas.locales import Locale
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require
from atlas.web.assets import DIGESTS, STATIC
from atlas.web.i18n import N_
from atlas.web.render import templates
from atlas.workspaces import service as workspaces

# The origin every address in the document is resolved against; no such host exists.
BASE_URL = "https://atlas.invalid/"
PRINT_TEMPLATE = "finance/print.html"
# Pico's screen rules (media queries, custom properties) are more than WeasyPrint reads: its
# dozens of warnings a document are noise; its errors still reach the log.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {finance.PDF: {"schema": {"type": "string", "format": "binary"}}}}
}


class Paper(StrEnum):
    """The sheet an invoice is printed on: the print view's `paper-…` class, which names
    its `@page` in `finance.css`."""

    LETTER = "letter"  # 8.5 x 11 in, 612 x 792 pt
    A4 = "a4"  # 210 x 297 mm, 595 x 842 pt


def paper_for(locale: str) -> Paper:
    """Letter in the United States (the workspace's locale en-US), A4 everywhere else."""
    return Paper.LETTER if locale == Locale.EN_US else Paper.A4


class RefusedAddress(ValueError):
    """An address the document may not load: only our static stylesheets are served."""


def stylesheet(url: str) -> bytes:
    """The static stylesheet `url` names (`https://atlas.invalid/static/app.css?v=…`),
    read from the package; any other address is refused."""
    parts = urlsplit(url)
    name = parts.path.removeprefix("/static/")
    if (
        f"{parts.scheme}://{parts.netloc}/" != BASE_URL
        or not parts.path.startswith("/static/")
        or not name.endswith(".css")
        or name not in DIGESTS  # the package's own files only: no "..", no other path
    ):
        raise RefusedAddress(f"not loaded in a document: {url[:200]}")
    return (STATIC / name).read_bytes()


# An image the document shows, by its absolute address: its bytes and content type.
Images = Mapping[str, tuple[bytes, str]]


@functools.cache
def _renderer() -> Callable[[str, Images], bytes]:
    """HTML -> PDF with WeasyPrint; 503 `pdf_unavailable` when Pango is missing."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except OSError as exc:  # WeasyPrint loads Pango when imported
        raise ServiceUnavailable(
            N_("PDFs cannot be made on this server: it lacks the Pango library."),
            code="pdf_unavailable",
        ) from exc

    class StaticStylesheets(URLFetcher):  # type: ignore[misc]
        def __init__(self, images: Images) -> None:
            super().__init__()
            self.images = images

        def fetch(self, url: str, headers: object = None) -> Any:
            if url in self.images:
                content, content_type = self.images[url]
                return URLFetcherResponse(url, content, {"Content-Type": content_type})
            return URLFetcherResponse(url, stylesheet(url), {"Content-Type": "text/css"})

    def render(html: str, images: Images) -> bytes:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticStylesheets(images))
        pdf: bytes = document.write_pdf()
        return pdf

    return render


async def pdf_of_html(html: str, images: Images | None = None) -> bytes:
    """The PDF of a whole HTML document, rendered in a worker thread; `images` are the
    only pictures it may load."""
    return await anyio.to_thread.run_sync(_renderer(), html, images or {})


async def pdf_of(
    ctx: WorkspaceContext, db: asyncpg.Connection, document: finance.InvoiceDocument
) -> bytes:
    """The invoice's print view, with the workspace as the seller and its logo, as a PDF."""
    seller = await workspaces.get_workspace(ctx, db)
    logo = await workspaces.get_logo(ctx, db)
    images: dict[str, tuple[bytes, str]] = {}
    if logo is not None:
        stored = await workspaces.logo_content(ctx, db, logo.url.rsplit("/", 1)[1])
        images[urljoin(BASE_URL, logo.url)] = (stored.content, stored.content_type)
    # The workspace's own dates and numbers: the document is the seller's, whoever makes it.
    html = templates.env.get_template(PRINT_TEMPLATE).render(
        ws=ctx,
        invoice=document.invoice,
        customer=document.customer,
        seller=seller,
        logo=logo,
        paper=paper_for(seller.locale),
        locale=seller.locale,
        time_zone=seller.timezone,
    )
    return await pdf_of_html(html, images)


def pdf_response(filename: str, content: bytes) -> Response:
    return Response(
        content=content,
        media_type=finance.PDF,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def invoice_pdf(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> Response:
    """The download of an issued, paid or void invoice (a draft: 409 `invoice_not_issued`)."""
    document = await finance.invoice_document(ctx, db, invoice_id)
    return pdf_response(document.filename, await pdf_of(ctx, db, document))


async def send_invoice(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    invoice_id: uuid.UUID,
    data: schemas.InvoiceEmail,
) -> schemas.InvoiceSend:
    """Emails the invoice with its PDF (`finance.service.send_invoice`)."""
    return await finance.send_invoice(
        ctx, db, invoice_id, data, lambda document: pdf_of(ctx, db, document)
    )


InvoicesRead = Annotated[WorkspaceContext, Depends(require("invoices:read"))]
InvoicesIssue = Annotated[WorkspaceContext, Depends(require("invoices:issue"))]

router = APIRouter(prefix="/api/v1", tags=["finance"], route_class=TransactionRoute)


@router.get("/invoices/{invoice_id}/pdf", response_class=Response, responses=PDF_RESPONSE)
async def get_invoice_pdf(invoice_id: uuid.UUID, ctx: InvoicesRead, db: Db) -> Response:
    """The invoice as a PDF attachment named by its number; a draft has none (409
    `invoice_not_issued`)."""
    return await invoice_pdf(ctx, db, invoice_id)


@router.post("/invoices/{invoice_id}/send", status_code=status.HTTP_201_CREATED)
async def send_invoice_by_email(
    invoice_id: uuid.UUID, data: schemas.InvoiceEmail, ctx: InvoicesIssue, db: Db
) -> schemas.InvoiceSend:
    """Email an issued or paid invoice with its PDF attached (409 `invoice_not_sendable`
    otherwise); `to`, `subject` and `message` default to the customer's email and a short
    text (422 `customer_has_no_email` without either address). The email is queued in
    the outbox and the send recorded on the invoice and in the audit trail."""
    return await send_invoice(ctx, db, invoice_id, data)
