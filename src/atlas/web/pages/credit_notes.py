"""Credit notes from the invoice's page: part or all of its lines, by quantity.

The form names a quantity to credit per invoice line (`credit-0-quantity`, …; blank:
none of that line), a reason and a date; each credited line keeps the invoice line's
price, tax rate and income account. The service checks the rest (within the balance,
not in the locked period) and its refusals show on the invoice's page.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.responses import Response

from atlas.finance import schemas, service
from atlas.web import forms
from atlas.web.i18n import N_
from atlas.web.lines import ERROR_LINE
from atlas.web.pages.finance import InvoicesVoid, _invoice_page
from atlas.web.render import PageContext
from atlas.web.routing import page_router

router = page_router()

NO_LINES = N_("Enter a quantity to credit on one line at least.")


def _quantity(i: int) -> str:
    return f"credit-{i}-quantity"


def _credited_lines(
    invoice: schemas.Invoice, form: forms.FormData
) -> list[tuple[int, dict[str, Any]]]:
    """(invoice line index, credit note line) of each line given a quantity."""
    return [
        (
            i,
            {
                "description": line.description,
                "quantity": form[_quantity(i)],
                "unit_price": line.unit_price,
                "tax_rate": line.tax_rate,
                "income_account_id": line.income_account_id,
            },
        )
        for i, line in enumerate(invoice.lines)
        if form.get(_quantity(i))
    ]


def _field_errors(errors: forms.FormErrors, indexes: list[int]) -> forms.FormErrors:
    """`lines.0.quantity` (the API's location) as the invoice line's quantity field."""
    fields = {}
    for key, message in errors.fields.items():
        match = ERROR_LINE.match(key)
        known = match is not None and int(match[1]) < len(indexes)
        fields[_quantity(indexes[int(match[1])]) if match and known else key] = message
    return forms.FormErrors(errors.message, fields, errors.status)


def _all_lines(invoice: schemas.Invoice, form: forms.FormData) -> forms.FormData:
    return {**form, **{_quantity(i): str(line.quantity) for i, line in enumerate(invoice.lines)}}


async def _credit(page: PageContext, invoice: schemas.Invoice, form: forms.FormData) -> Response:
    credited = _credited_lines(invoice, form)
    indexes = [i for i, _ in credited]
    try:
        if not credited:
            raise forms.FormErrors(NO_LINES, {"lines": NO_LINES})
        body: dict[str, Any] = {k: form[k] for k in ("reason", "issue_date") if k in form}
        data = forms.parse(schemas.CreditNoteCreate, {**body, "lines": [c for _, c in credited]})
        note = await forms.run(
            page.db, lambda: service.create_credit_note(page.ws, page.db, invoice.id, data)
        )
    except forms.FormErrors as errors:
        refused = _field_errors(errors, indexes)
        return await _invoice_page(page, invoice.id, errors=refused, credit_form=form)
    return page.redirect(
        page.url(f"/invoices/{invoice.id}"),
        page._(
            "Credit note %(number)s of %(total)s issued.",
            number=note.number,
            total=page.money(note.total, note.currency),
        ),
    )


@router.post("/w/{workspace_ref}/invoices/{invoice_id}/credit-notes")
async def create_credit_note(page: InvoicesVoid, invoice_id: uuid.UUID) -> Response:
    invoice = await service.get_invoice(page.ws, page.db, invoice_id)
    form = await forms.read_form(page.request)
    if form.get("action") == "all-lines":  # fill in every line's quantity, then review
        return await _invoice_page(page, invoice_id, credit_form=_all_lines(invoice, form))
    return await _credit(page, invoice, form)
