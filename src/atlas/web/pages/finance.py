"""Pages of the finance area: customers, invoices, payments, the printable invoice and
invoices from time.

Invoice lines are posted as repeated fields (`atlas.web.lines`: `lines-0-description`,
`lines-0-quantity`, …); blank lines are ignored. The live totals use the API's line
schema and the money rule of `atlas.finance.money`, the functions the service prices
invoices with.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Annotated, Any, get_args

from fastapi import Depends
from fastapi.responses import Response
from pydantic import ValidationError

from atlas.errors import NotFound
from atlas.finance import money, schemas, service
from atlas.ledger import schemas as ledger_schemas
from atlas.ledger import service as ledger
from atlas.pagination import PageParams, PageRequest, every, pages
from atlas.validation import ISO_CURRENCIES, excess_decimals, is_stored_to_its_unit
from atlas.web import bulk, documents, forms, lists
from atlas.web.access import workspace_page
from atlas.web.i18n import N_
from atlas.web.lines import ADD_LINE, Line, RepeatedLines
from atlas.web.pages import choices
from atlas.web.render import PageContext, labelled
from atlas.web.routing import page_router
from atlas.web.shell import Crumb
from atlas.workspaces import service as workspaces

router = page_router()

CustomersRead = Annotated[PageContext, Depends(workspace_page("customers:read"))]
CustomersManage = Annotated[PageContext, Depends(workspace_page("customers:manage"))]
InvoicesRead = Annotated[PageContext, Depends(workspace_page("invoices:read"))]
InvoicesWrite = Annotated[PageContext, Depends(workspace_page("invoices:write"))]
InvoicesIssue = Annotated[PageContext, Depends(workspace_page("invoices:issue"))]
InvoicesVoid = Annotated[PageContext, Depends(workspace_page("invoices:void"))]
PaymentsRecord = Annotated[PageContext, Depends(workspace_page("payments:record"))]

Search = forms.QueryText
Sort = forms.QueryText

LINES = RepeatedLines(("description", "quantity", "unit_price", "tax_rate"))
INVOICE_FIELDS = ("customer_id", "currency", "issue_date", "due_date", "notes")
CUSTOMER_FIELDS = ("name", "email", "billing_address", "tax_id", "currency", "payment_terms_days")
STATUS_CHOICES = [(s, s.capitalize()) for s in (*get_args(schemas.InvoiceStatus), "overdue")]
METHODS = [(m, m.replace("_", " ").capitalize()) for m in get_args(schemas.PaymentMethod)]
GROUPS = [("task", N_("By task")), ("employee", N_("By employee"))]
# A customer's page shows its latest invoices and links to all of them.
LATEST = PageRequest(limit=20, offset=0)


# Customers


async def _income_accounts(page: PageContext) -> list[tuple[str, str]] | None:
    """The accounts a customer's invoices may post to, for those who read the books (the
    field is left out for the others, and the customer's account kept as it is)."""
    if not page.ws.can("ledger:read"):
        return None
    filters = ledger_schemas.AccountFilters(types=["income"], is_group=False, active=True)
    found = await every(lambda p: ledger.list_accounts(page.ws, page.db, filters, p))
    return [(str(a.id), choices.account_label(a)) for a in found]


async def _customer_form(
    page: PageContext,
    form: forms.FormData,
    errors: forms.FormErrors | None = None,
    customer: schemas.Customer | None = None,
) -> Response:
    return await page.render(
        "finance/customer_form.html",
        status_code=422 if errors else 200,
        form=form,
        errors=errors,
        customer=customer,
        income_accounts=await _income_accounts(page),
    )


def _customer_changes(page: PageContext, form: forms.FormData) -> dict[str, Any]:
    """Every field of the edit form: a blank email, tax id or income account clears it."""
    changes: dict[str, Any] = {k: form.get(k) for k in CUSTOMER_FIELDS}
    changes["name"] = changes["name"] or ""
    changes["billing_address"] = changes["billing_address"] or ""
    clearable = {"email", "tax_id"}
    if page.ws.can("ledger:read"):  # the form showed the income account
        changes["income_account_id"] = form.get("income_account_id")
        clearable.add("income_account_id")
    return {k: v for k, v in changes.items() if v is not None or k in clearable}


@router.get("/w/{workspace_ref}/customers")
async def customers(
    page: CustomersRead, paging: PageParams, q: Search = None, sort: Sort = None
) -> Response:
    filters = schemas.CustomerFilters(q=q, sort=sort)
    result = await service.list_customers(page.ws, page.db, filters, paging)
    return await page.render("finance/customers.html", result=result)


@lists.csv_route(router, "/w/{workspace_ref}/customers.csv")
async def customers_csv(page: CustomersRead, q: Search = None, sort: Sort = None) -> Response:
    filters = schemas.CustomerFilters(q=q, sort=sort)
    zone = await page.time_zone()
    columns: list[lists.Column[schemas.Customer]] = [
        lists.Column("Name", lambda c: c.name),
        lists.Column("Email", lambda c: c.email),
        lists.Column("Currency", lambda c: c.currency),
        lists.Column("Payment terms (days)", lambda c: c.payment_terms_days),
        lists.Column("Tax ID", lambda c: c.tax_id),
        lists.Column("Billing address", lambda c: c.billing_address),
        lists.Column("Added", lambda c: lists.moment(c.created_at, zone)),
    ]
    return await lists.download(
        "customers",
        columns,
        pages(lambda p: service.list_customers(page.ws, page.db, filters, p)),
    )


@router.get("/w/{workspace_ref}/customers/new")
async def new_customer_form(page: CustomersManage) -> Response:
    return await _customer_form(page, {"payment_terms_days": "30"})


@router.post("/w/{workspace_ref}/customers/new")
async def create_customer(page: CustomersManage) -> Response:
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.CustomerCreate, form)
        created = await forms.run(page.db, lambda: service.create_customer(page.ws, page.db, data))
    except forms.FormErrors as errors:
        return await _customer_form(page, form, errors)
    return page.redirect(
        page.url(f"/customers/{created.id}"), page._("Customer %(name)s added.", name=created.name)
    )


async def _customer_page(
    page: PageContext, customer_id: uuid.UUID, errors: forms.FormErrors | None = None
) -> Response:
    customer = await service.get_customer(page.ws, page.db, customer_id)
    invoices = None
    if page.ws.can("invoices:read"):
        filters = schemas.InvoiceFilters(customer_id=customer_id)
        invoices = await service.list_invoices(page.ws, page.db, filters, LATEST)
    income_account = None
    if customer.income_account_id is not None and page.ws.can("ledger:read"):
        account = await ledger.get_account(page.ws, page.db, customer.income_account_id)
        income_account = choices.account_label(account)
    return await page.render(
        "finance/customer.html",
        status_code=errors.status if errors else 200,
        crumbs=[Crumb(customer.name)],
        customer=customer,
        invoices=invoices,
        errors=errors,
        income_account=income_account,
    )


@router.get("/w/{workspace_ref}/customers/{customer_id}")
async def customer_detail(page: CustomersRead, customer_id: uuid.UUID) -> Response:
    return await _customer_page(page, customer_id)


@router.get("/w/{workspace_ref}/customers/{customer_id}/edit")
async def edit_customer_form(page: CustomersManage, customer_id: uuid.UUID) -> Response:
    customer = await service.get_customer(page.ws, page.db, customer_id)
    return await _customer_form(page, customer.model_dump(mode="json"), customer=customer)


@router.post("/w/{workspace_ref}/customers/{customer_id}/edit")
async def update_customer(page: CustomersManage, customer_id: uuid.UUID) -> Response:
    customer = await service.get_customer(page.ws, page.db, customer_id)
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.CustomerUpdate, _customer_changes(page, form))
        updated = await forms.run(
            page.db, lambda: service.update_customer(page.ws, page.db, customer_id, data)
        )
    except forms.FormErrors as errors:
        return await _customer_form(page, form, errors, customer)
    return page.redirect(
        page.url(f"/customers/{customer_id}"), page._("%(name)s saved.", name=updated.name)
    )


@router.post("/w/{workspace_ref}/customers/{customer_id}/delete")
async def delete_customer(page: CustomersManage, customer_id: uuid.UUID) -> Response:
    customer = await service.get_customer(page.ws, page.db, customer_id)
    try:
        await forms.run(page.db, lambda: service.delete_customer(page.ws, page.db, customer_id))
    except forms.FormErrors as errors:
        return await _customer_page(page, customer_id, errors)
    return page.redirect(
        page.url("/customers"), page._("Customer %(name)s deleted.", name=customer.name)
    )


def _invoice_body(form: forms.FormData, lines: list[Line]) -> dict[str, Any]:
    body: dict[str, Any] = {k: form[k] for k in INVOICE_FIELDS if k in form}
    body["lines"] = lines
    return body


async def _invoice_form(
    page: PageContext,
    form: forms.FormData,
    lines: list[Line],
    errors: forms.FormErrors | None = None,
    invoice: schemas.Invoice | None = None,
    action: str | None = None,
) -> Response:
    currency = await _preview_currency(page, form)
    return await page.render(
        "finance/invoice_form.html",
        focus_line=len(lines) - 1 if action == ADD_LINE else None,
        status_code=errors.status if errors else 200,
        form=LINES.with_lines(form, lines),
        line_count=len(lines),
        errors=LINES.errors(errors) if errors else None,
        invoice=invoice,
        customer=await choices.field(page, choices.CUSTOMERS, "customer_id", form),
        totals=_preview(lines, currency),
        currency=currency,
    )


def _lines_of(invoice: schemas.Invoice) -> list[Line]:
    return [
        {name: str(value) for name, value in line.model_dump(include=set(LINES.fields)).items()}
        for line in invoice.lines
    ]


# Live totals


async def _preview_currency(page: PageContext, form: forms.FormData) -> str:
    """The currency the invoice will be in: the form's, else the customer's, else the
    workspace's base currency (while the customer is not chosen yet)."""
    code = str(form.get("currency") or "").strip().upper()
    if code in ISO_CURRENCIES and is_stored_to_its_unit(code):
        return code
    try:
        return (
            await service.get_customer(page.ws, page.db, uuid.UUID(form["customer_id"]))
        ).currency
    except (KeyError, ValueError, NotFound):
        return (await workspaces.get_workspace(page.ws, page.db)).base_currency


def _preview(lines: list[Line], currency: str) -> dict[str, Any]:
    """Subtotal, tax and total of `lines` in `currency` by the API's schema and money rule,
    or an error."""
    priced = []
    for number, line in enumerate(lines, start=1):
        if not any(line.values()):
            continue
        values = {k: v for k, v in line.items() if v}
        values.setdefault("description", "-")  # the totals do not need it yet
        try:
            parsed = schemas.InvoiceLineIn.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]).replace("_", " ")
            return {"error": f"Line {number}, {where}: {err['msg']}"}
        refusal = excess_decimals(parsed.unit_price, currency)
        if refusal is not None:
            return {"error": f"Line {number}, unit price: {refusal}"}
        priced.append(
            money.line_amounts(parsed.quantity, parsed.unit_price, parsed.tax_rate, currency)
        )
    try:
        return {"error": None, "totals": money.invoice_totals(priced)}
    except money.AmountTooLarge:
        return {"error": N_("The invoice's total is too large.")}


@router.post("/w/{workspace_ref}/invoices/totals")
async def invoice_totals(page: InvoicesWrite) -> Response:
    form = await forms.read_form(page.request)
    currency = await _preview_currency(page, form)
    return await page.render(
        "finance/_totals.html", totals=_preview(LINES.posted(form), currency), currency=currency
    )


# Invoices


def _uuid(value: str | None) -> uuid.UUID | None:
    """A filter's id (blank: none); a malformed one is not found."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise NotFound(N_("Customer not found.")) from None


async def _invoice_filters(
    page: PageContext, status: str | None, q: str | None, sort: str | None
) -> tuple[schemas.InvoiceFilters, forms.FormErrors | None]:
    """The invoice list's filters from its address; a customer typed that names no one
    (or several) is refused, and left out."""
    errors = None
    try:
        chosen = await choices.resolve(
            page, choices.CUSTOMERS, forms.typed_query(page.request), "customer_id"
        )
    except forms.FormErrors as refused:
        chosen, errors = {}, refused
    filters = schemas.InvoiceFilters(
        statuses=[status] if status else [],
        customer_id=_uuid(chosen.get("customer_id")),
        q=q,
        sort=sort,
    )
    return filters, errors


@router.get("/w/{workspace_ref}/invoices")
async def invoices(
    page: InvoicesRead,
    paging: PageParams,
    status: Search = None,
    q: Search = None,
    sort: Sort = None,
) -> Response:
    filters, errors = await _invoice_filters(page, status, q, sort)
    result = await service.list_invoices(page.ws, page.db, filters, paging)
    deletable = {
        i.id
        for i in result.items
        if page.ws.can("invoices:write")
        and service.InvoiceAction.DELETE
        in service.allowed_actions(
            status=i.status, amount_paid=i.amount_paid, amount_credited=i.amount_credited
        )
    }
    return await page.render(
        "finance/invoices.html",
        deletable=deletable,
        status_code=errors.status if errors else 200,
        result=result,
        totals=await service.totals_of_invoices(page.ws, page.db, filters),
        statuses=STATUS_CHOICES,
        customer=await choices.field(
            page, choices.CUSTOMERS, "customer_id", forms.typed_query(page.request)
        ),
        errors=errors,
    )


INVOICE_COLUMNS: list[lists.Column[schemas.InvoiceSummary]] = [
    lists.Column("Number", lambda i: i.number),
    lists.Column("Customer", lambda i: i.customer_name),
    lists.Column("Status", lambda i: labelled(i.status)),
    lists.Column("Overdue", lambda i: lists.yes_no(i.overdue)),
    lists.Column("Issue date", lambda i: i.issue_date),
    lists.Column("Due date", lambda i: i.due_date),
    lists.Column("Currency", lambda i: i.currency),
    lists.Column("Subtotal", lambda i: i.subtotal),
    lists.Column("Tax", lambda i: i.tax_total),
    lists.Column("Total", lambda i: i.total),
    lists.Column("Paid", lambda i: i.amount_paid),
    lists.Column("Credited", lambda i: i.amount_credited),
    lists.Column("Balance", lambda i: i.balance),
]


@lists.csv_route(router, "/w/{workspace_ref}/invoices.csv")
async def invoices_csv(
    page: InvoicesRead, status: Search = None, q: Search = None, sort: Sort = None
) -> Response:
    filters, errors = await _invoice_filters(page, status, q, sort)
    if errors:
        raise lists.refused(errors)
    return await lists.download(
        "invoices",
        INVOICE_COLUMNS,
        pages(lambda p: service.list_invoices(page.ws, page.db, filters, p)),
    )


@router.get("/w/{workspace_ref}/invoices/new")
async def new_invoice_form(page: InvoicesWrite, customer_id: uuid.UUID | None = None) -> Response:
    form = {"customer_id": str(customer_id)} if customer_id else {}
    return await _invoice_form(page, form, [{}])


@router.post("/w/{workspace_ref}/invoices/new")
async def create_invoice(page: InvoicesWrite) -> Response:
    form = await forms.read_form(page.request)
    lines, action = LINES.edited(form)
    if action:
        return await _invoice_form(page, form, lines, action=action)
    try:
        chosen = await choices.resolve(page, choices.CUSTOMERS, form, "customer_id")
        data = forms.parse(schemas.InvoiceCreate, _invoice_body(chosen, lines))
        created = await forms.run(page.db, lambda: service.create_invoice(page.ws, page.db, data))
    except forms.FormErrors as errors:
        return await _invoice_form(page, form, lines, errors)
    return page.redirect(page.url(f"/invoices/{created.id}"), page._("Draft invoice saved."))


@router.get("/w/{workspace_ref}/invoices/from-time")
async def from_time_form(page: InvoicesWrite) -> Response:
    return await _from_time_form(page, {"group_by": "task", "tax_rate": "0"})


async def _from_time_form(
    page: PageContext, form: forms.FormData, errors: forms.FormErrors | None = None
) -> Response:
    return await page.render(
        "finance/from_time.html",
        status_code=errors.status if errors else 200,
        form=form,
        errors=errors,
        customer=await choices.field(page, choices.CUSTOMERS, "customer_id", form),
        project=await choices.field(page, choices.PROJECTS, "project_id", form),
        groups=[(value, page._(text)) for value, text in GROUPS],
    )


@router.post("/w/{workspace_ref}/invoices/from-time")
async def create_from_time(page: InvoicesWrite) -> Response:
    form = await forms.read_form(page.request)
    try:
        chosen = await choices.resolve(page, choices.CUSTOMERS, form, "customer_id")
        chosen = await choices.resolve(page, choices.PROJECTS, chosen, "project_id")
        data = forms.parse(schemas.InvoiceFromTime, chosen)
        created = await forms.run(
            page.db, lambda: service.invoice_from_time(page.ws, page.db, data)
        )
    except forms.FormErrors as errors:
        return await _from_time_form(page, form, errors)
    count = len(created.lines)
    return page.redirect(
        page.url(f"/invoices/{created.id}"),
        page.ngettext(
            "Draft invoice made from time: %(count)d line.",
            "Draft invoice made from time: %(count)d lines.",
            count,
        ),
    )


async def _invoice_page(
    page: PageContext,
    invoice_id: uuid.UUID,
    pay_form: forms.FormData | None = None,
    errors: forms.FormErrors | None = None,
    credit_form: forms.FormData | None = None,
    send_form: forms.FormData | None = None,
) -> Response:
    invoice = await service.get_invoice(page.ws, page.db, invoice_id)
    if pay_form is None:
        pay_form = {
            "amount": str(money.to_minor_unit(invoice.balance, invoice.currency)),
            "method": "bank_transfer",
        }
    actions = service.allowed_actions(
        status=invoice.status,
        amount_paid=invoice.amount_paid,
        amount_credited=invoice.amount_credited,
    )
    if (
        send_form is None
        and service.InvoiceAction.SEND in actions
        and page.ws.can("invoices:issue")
    ):
        document = await service.invoice_document(page.ws, page.db, invoice_id)
        defaults = asdict(service.email_defaults(page.ws, document))
        send_form = {k: v for k, v in defaults.items() if v is not None}
    notes = schemas.CreditNoteFilters(invoice_id=invoice_id, sort="issue_date")
    return await page.render(
        "finance/invoice.html",
        status_code=errors.status if errors else 200,
        crumbs=[Crumb(invoice.number or page._("Draft"))],
        invoice=invoice,
        actions=actions,
        pay_form=pay_form,
        errors=errors,
        methods=METHODS,
        credit_notes=await service.list_credit_notes(page.ws, page.db, notes, LATEST),
        credit_form=credit_form or {},
        send_form=send_form or {},
        sends=await service.latest_sends(page.ws, page.db, invoice_id),
    )


@router.get("/w/{workspace_ref}/invoices/{invoice_id}")
async def invoice_detail(page: InvoicesRead, invoice_id: uuid.UUID) -> Response:
    return await _invoice_page(page, invoice_id)


@router.get("/w/{workspace_ref}/invoices/{invoice_id}/edit")
async def edit_invoice_form(page: InvoicesWrite, invoice_id: uuid.UUID) -> Response:
    invoice = await service.get_invoice(page.ws, page.db, invoice_id)
    if service.InvoiceAction.EDIT not in service.allowed_actions(
        status=invoice.status, amount_paid=invoice.amount_paid
    ):
        return page.redirect(
            page.url(f"/invoices/{invoice_id}"), page._("Only drafts can be changed."), "error"
        )
    form = {k: v for k, v in invoice.model_dump(mode="json").items() if k in INVOICE_FIELDS}
    return await _invoice_form(page, form, _lines_of(invoice) or [{}], invoice=invoice)


@router.post("/w/{workspace_ref}/invoices/{invoice_id}/edit")
async def update_invoice(page: InvoicesWrite, invoice_id: uuid.UUID) -> Response:
    invoice = await service.get_invoice(page.ws, page.db, invoice_id)
    form = await forms.read_form(page.request)
    lines, action = LINES.edited(form)
    if action:
        return await _invoice_form(page, form, lines, invoice=invoice, action=action)
    try:
        chosen = await choices.resolve(page, choices.CUSTOMERS, form, "customer_id")
        blank = {"issue_date": None, "due_date": None, "notes": ""}
        data = forms.parse(schemas.InvoiceUpdate, {**blank, **_invoice_body(chosen, lines)})
        await forms.run(page.db, lambda: service.update_invoice(page.ws, page.db, invoice_id, data))
    except forms.FormErrors as errors:
        return await _invoice_form(page, form, lines, errors, invoice)
    return page.redirect(page.url(f"/invoices/{invoice_id}"), page._("Draft invoice saved."))


async def _act(
    page: PageContext,
    invoice_id: uuid.UUID,
    action: Callable[[], Awaitable[object]],
    done: str,
    to: str | None = None,
) -> Response:
    """Runs an invoice action; a refusal shows on the invoice's page with its status."""
    try:
        await forms.run(page.db, action)
    except forms.FormErrors as errors:
        return await _invoice_page(page, invoice_id, errors=errors)
    return page.redirect(to or page.url(f"/invoices/{invoice_id}"), done)


@router.post("/w/{workspace_ref}/invoices/{invoice_id}/issue")
async def issue_invoice(page: InvoicesIssue, invoice_id: uuid.UUID) -> Response:
    try:
        issued = await forms.run(
            page.db, lambda: service.issue_invoice(page.ws, page.db, invoice_id)
        )
    except forms.FormErrors as errors:
        return await _invoice_page(page, invoice_id, errors=errors)
    return page.redirect(
        page.url(f"/invoices/{invoice_id}"),
        page._("Invoice %(number)s issued.", number=issued.number),
    )


@router.post("/w/{workspace_ref}/invoices/{invoice_id}/void")
async def void_invoice(page: InvoicesVoid, invoice_id: uuid.UUID) -> Response:
    return await _act(
        page,
        invoice_id,
        lambda: service.void_invoice(page.ws, page.db, invoice_id),
        page._("Invoice voided."),
    )


@router.post("/w/{workspace_ref}/invoices/{invoice_id}/delete")
async def delete_invoice(page: InvoicesWrite, invoice_id: uuid.UUID) -> Response:
    return await _act(
        page,
        invoice_id,
        lambda: service.delete_invoice(page.ws, page.db, invoice_id),
        page._("Draft invoice deleted."),
        page.url("/invoices"),
    )


async def _invoice_name(page: PageContext, invoice_id: uuid.UUID) -> str:
    invoice = await service.get_invoice(page.ws, page.db, invoice_id)
    if invoice.number:
        return page._("Invoice %(number)s", number=invoice.number)
    return page._("A draft for %(customer)s", customer=invoice.customer_name)


@router.post("/w/{workspace_ref}/invoices/bulk-delete")
async def delete_invoices(page: InvoicesWrite) -> Response:
    """Deletes every chosen draft, or none when one of them is not a draft any more."""
    ids, _ = await bulk.read_ids(page)
    return await bulk.apply_all(
        page,
        bulk.the_list(page, "/invoices"),
        ids,
        lambda invoice_id: service.delete_invoice(page.ws, page.db, invoice_id),
        lambda invoice_id: _invoice_name(page, invoice_id),
        page.ngettext(
            "%(count)d draft invoice deleted.", "%(count)d draft invoices deleted.", len(ids)
        ),
    )


@router.post("/w/{workspace_ref}/invoices/{invoice_id}/payments")
async def record_payment(page: PaymentsRecord, invoice_id: uuid.UUID) -> Response:
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.PaymentCreate, form)
        payment = await forms.run(
            page.db, lambda: service.record_payment(page.ws, page.db, invoice_id, data)
        )
    except forms.FormErrors as errors:
        return await _invoice_page(page, invoice_id, form, errors)
    invoice = await service.get_invoice(page.ws, page.db, invoice_id)
    return page.redirect(
        page.url(f"/invoices/{invoice_id}"),
        page._(
            "Payment of %(amount)s recorded.", amount=page.money(payment.amount, invoice.currency)
        ),
    )


@router.get("/w/{workspace_ref}/invoices/{invoice_id}/pdf")
async def invoice_pdf(page: InvoicesRead, invoice_id: uuid.UUID) -> Response:
    return await documents.invoice_pdf(page.ws, page.db, invoice_id)


@router.post("/w/{workspace_ref}/invoices/{invoice_id}/send")
async def send_invoice(page: InvoicesIssue, invoice_id: uuid.UUID) -> Response:
    """Emails the invoice with its PDF; a refusal shows on its page with what was typed."""
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.InvoiceEmail, form)
        sent = await forms.run(
            page.db, lambda: documents.send_invoice(page.ws, page.db, invoice_id, data)
        )
    except forms.FormErrors as errors:
        return await _invoice_page(page, invoice_id, errors=errors, send_form=form)
    return page.redirect(
        page.url(f"/invoices/{invoice_id}"),
        page._("Invoice sent to %(to_email)s.", to_email=sent.to_email),
    )


@router.get("/w/{workspace_ref}/invoices/{invoice_id}/print")
async def print_invoice(page: InvoicesRead, invoice_id: uuid.UUID) -> Response:
    invoice = await service.get_invoice(page.ws, page.db, invoice_id)
    customer = await service.get_customer(page.ws, page.db, invoice.customer_id)
    seller = await workspaces.get_workspace(page.ws, page.db)
    logo = await workspaces.get_logo(page.ws, page.db)
    return await page.render(
        "finance/print.html",
        invoice=invoice,
        customer=customer,
        seller=seller,
        logo=logo,
        paper=documents.paper_for(seller.locale),
    )
