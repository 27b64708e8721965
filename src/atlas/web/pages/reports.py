"""Pages of the financial reports: trial balance, profit and loss, balance sheet, general
ledger and receivables aging, each over the same report function as its API route.

A report's address takes the API's query (`as_of`, `from`, `to`, `compare`, `account_id`,
`limit`, `offset`); `format=csv` answers the API's CSV of the same report. Dates the
report refuses show on its form (422). Every account figure links to the general ledger
of that account over the report's period; each ledger line to its journal entry and to
its document's invoice.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from atlas.finance import service as finance
from atlas.ledger import reports, schemas
from atlas.pagination import PageParams
from atlas.reporting import ReportFormat, Tabular, answer
from atlas.validation import BusinessDate
from atlas.web import forms
from atlas.web.access import workspace_page
from atlas.web.i18n import N_
from atlas.web.pages import choices, ledger
from atlas.web.render import PageContext
from atlas.web.routing import page_router

router = page_router()

ReportsRead = Annotated[PageContext, Depends(workspace_page("reports:read"))]

R = TypeVar("R", bound=Tabular)
Q = TypeVar("Q", bound="ReportQuery")


class ReportQuery(BaseModel):
    """A report page's address; other parameters (paging) are read elsewhere."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    output: Literal["html", "csv"] = Field(default="html", alias="format")


class AsOfQuery(ReportQuery):
    as_of: BusinessDate | None = None


class PeriodQuery(ReportQuery):
    date_from: BusinessDate | None = Field(default=None, alias="from")
    date_to: BusinessDate | None = Field(default=None, alias="to")


class ProfitAndLossQuery(PeriodQuery):
    compare: schemas.Comparison = schemas.Comparison.PREVIOUS_PERIOD


class LedgerQuery(PeriodQuery):
    account_id: uuid.UUID | None = None


REPORTS = [
    (
        "trial-balance",
        N_("Trial balance"),
        N_("Every account's opening, movement and closing balance."),
    ),
    (
        "profit-and-loss",
        N_("Profit and loss"),
        N_("Income and expenses of a period, and net profit."),
    ),
    ("balance-sheet", N_("Balance sheet"), N_("Assets, liabilities and equity on a day.")),
    ("general-ledger", N_("General ledger"), N_("One account's lines with the running balance.")),
    ("receivables-aging", N_("Receivables aging"), N_("What customers owe, by days past due.")),
]
COMPARISONS = [("previous_period", N_("Previous period")), ("none", N_("No comparison"))]


def _address(page: PageContext) -> dict[str, Any]:
    return forms.typed_query(page.request)


async def _report_page(
    page: PageContext,
    template: str,
    model: type[Q],
    make: Callable[[Q], Awaitable[R]],
    form: dict[str, Any] | None = None,
    **values: Any,
) -> Response:
    """The report of the address's query on its page, or its CSV; refused dates on the
    form. `make` runs the report function the API runs."""
    form = _address(page) if form is None else form
    values["ledger_url"] = ledger_url
    try:
        query = forms.parse(model, form)
        report = await forms.run(page.db, lambda: make(query))
    except forms.FormErrors as errors:
        return await page.render(
            template, status_code=errors.status, form=form, errors=errors, report=None, **values
        )
    if query.output == "csv":
        csv = answer(report, ReportFormat.CSV)
        assert isinstance(csv, Response)
        return csv
    return await page.render(template, form=form, errors=None, report=report, **values)


def ledger_url(page: PageContext, account_id: uuid.UUID, start: date, end: date) -> str:
    """The general ledger of one account over `start`..`end`: where a figure drills down."""
    return page.url(f"/reports/general-ledger?account_id={account_id}&from={start}&to={end}")


@router.get("/w/{workspace_ref}/reports")
async def report_index(page: ReportsRead) -> Response:
    return await page.render("reports/index.html", reports=REPORTS)


@router.get("/w/{workspace_ref}/reports/trial-balance")
async def trial_balance(page: ReportsRead) -> Response:
    return await _report_page(
        page,
        "reports/trial_balance.html",
        AsOfQuery,
        lambda q: reports.trial_balance(page.ws, page.db, as_of=q.as_of, currency=None),
    )


@router.get("/w/{workspace_ref}/reports/profit-and-loss")
async def profit_and_loss(page: ReportsRead) -> Response:
    return await _report_page(
        page,
        "reports/profit_and_loss.html",
        ProfitAndLossQuery,
        lambda q: reports.profit_and_loss(
            page.ws,
            page.db,
            date_from=q.date_from,
            date_to=q.date_to,
            compare=q.compare,
            currency=None,
        ),
        comparisons=[(value, page._(text)) for value, text in COMPARISONS],
    )


@router.get("/w/{workspace_ref}/reports/balance-sheet")
async def balance_sheet(page: ReportsRead) -> Response:
    return await _report_page(
        page,
        "reports/balance_sheet.html",
        AsOfQuery,
        lambda q: reports.balance_sheet(page.ws, page.db, as_of=q.as_of, currency=None),
    )


async def _documents(
    page: PageContext, report: schemas.GeneralLedger
) -> dict[uuid.UUID, uuid.UUID]:
    """The invoice of each line's document."""
    return await ledger.invoices_behind(
        page, [(line.source_type, line.source_id) for line in report.items]
    )


async def _ledger_form(
    page: PageContext, form: dict[str, Any], errors: forms.FormErrors | None = None
) -> Response:
    """The general ledger's form without a report: as first opened, or refused."""
    return await page.render(
        "reports/general_ledger.html",
        status_code=errors.status if errors else 200,
        form=form,
        errors=errors,
        report=None,
        account=await choices.field(page, choices.ACCOUNTS, "account_id", form),
        documents={},
    )


@router.get("/w/{workspace_ref}/reports/general-ledger")
async def general_ledger(page: ReportsRead, paging: PageParams) -> Response:
    address = _address(page)
    try:
        form = await choices.resolve(page, choices.ACCOUNTS, address, "account_id")
    except forms.FormErrors as errors:
        return await _ledger_form(page, address, errors)
    if not page.request.query_params.keys() & {"account_id", "account_id-search"}:
        return await _ledger_form(page, form)
    documents: dict[uuid.UUID, uuid.UUID] = {}

    async def make(q: LedgerQuery) -> schemas.GeneralLedger:
        if q.account_id is None:
            raise forms.FormErrors(
                forms.CORRECT_THE_FIELDS, {"account_id": N_("choose an account")}
            )
        filters = schemas.GeneralLedgerFilters(
            account_id=q.account_id, date_from=q.date_from, date_to=q.date_to
        )
        report = await reports.general_ledger(page.ws, page.db, filters, paging)
        documents.update(await _documents(page, report))
        return report

    return await _report_page(
        page,
        "reports/general_ledger.html",
        LedgerQuery,
        make,
        form,
        account=await choices.field(page, choices.ACCOUNTS, "account_id", form),
        documents=documents,
    )


@router.get("/w/{workspace_ref}/reports/receivables-aging")
async def receivables_aging(page: ReportsRead) -> Response:
    return await _report_page(
        page,
        "reports/receivables_aging.html",
        AsOfQuery,
        lambda q: finance.receivables_aging(page.ws, page.db, as_of=q.as_of, currency=None),
    )
