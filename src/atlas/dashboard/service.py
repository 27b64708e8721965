"""The dashboard's figures, each shown only to those who may read its module, and each
asked of the module that owns it (projects, hr, finance): the dashboard reads no table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import asyncpg

from atlas.finance import schemas as finance_schemas
from atlas.finance import service as finance
from atlas.hr import service as hr
from atlas.projects import service as projects
from atlas.tenancy.context import WorkspaceContext

TASK_STATUSES = ("todo", "in_progress", "blocked")
MONTHS = 12
LEAVE_SHOWN = 10
INVOICES_SHOWN = 5


@dataclass(frozen=True, slots=True)
class LeaveWaiting:
    id: str
    employee: str
    leave_type: str
    start_date: date
    end_date: date
    days: Decimal


@dataclass
class Dashboard:
    open_tasks: dict[str, int] | None = None
    receivables: list[finance_schemas.Receivable] | None = None
    latest_invoices: list[finance_schemas.RecentInvoice] = field(default_factory=list)
    headcount: list[tuple[str, int]] | None = None
    # One series a currency, the base currency's first (shown even when empty).
    revenue: dict[str, list[tuple[date, Decimal]]] | None = None
    leave_waiting: list[LeaveWaiting] = field(default_factory=list)


def _month_starts(today: date) -> list[date]:
    """The first days of the last `MONTHS` months, oldest first, this month last."""
    year, month = today.year, today.month
    starts = []
    for _ in range(MONTHS):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


async def dashboard(
    ctx: WorkspaceContext, db: asyncpg.Connection, base_currency: str, today: date
) -> Dashboard:
    board = Dashboard()
    if ctx.can("tasks:read"):
        board.open_tasks = await projects.count_tasks_by_status(ctx, db, TASK_STATUSES)
    if ctx.can("invoices:read"):
        board.receivables = await finance.receivables(ctx, db, today)
        board.latest_invoices = await finance.latest_invoices(ctx, db, INVOICES_SHOWN, today)
        months = _month_starts(today)
        by_currency = await finance.revenue_by_month(ctx, db, months[0])
        currencies = [base_currency, *sorted(set(by_currency) - {base_currency})]
        board.revenue = {
            code: [(m, by_currency.get(code, {}).get(m, Decimal(0))) for m in months]
            for code in currencies
        }
    if ctx.can("employees:read"):
        board.headcount = [
            (department or "No department", n)
            for department, n in await hr.headcount_by_department(ctx, db)
        ]
    approver = await hr.own_employee_id(ctx, db)
    everyone = ctx.can("leave:approve")
    if everyone or approver is not None:
        board.leave_waiting = [
            LeaveWaiting(
                id=str(r["id"]),
                employee=f"{r['first_name']} {r['last_name']}",
                leave_type=r["leave_type"],
                start_date=r["start_date"],
                end_date=r["end_date"],
                days=r["days"],
            )
            for r in await hr.leave_waiting(ctx, db, approver, everyone, LEAVE_SHOWN)
        ]
    return board


def chart_bars(revenue: list[tuple[date, Decimal]], height: int = 120) -> list[dict[str, object]]:
    """The revenue chart's bars: month label, amount, and bar height in SVG units.

    A month that credit notes bring below zero has no bar (its amount is in the table)."""
    top = max((amount for _, amount in revenue), default=Decimal(0))
    return [
        {
            "label": f"{month:%b}",
            "title": f"{month:%B %Y}",
            "amount": amount,
            "height": int(max(amount, Decimal(0)) / top * height) if top > 0 else 0,
        }
        for month, amount in revenue
    ]
