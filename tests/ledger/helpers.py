"""Books for the reports' tests: a workspace whose postings go through
`ledger.service.post` as the app role, and its reports read over HTTP."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
import httpx

from atlas.config import Settings
from atlas.db.pool import connect
from atlas.db.rls import enter_workspace
from atlas.ledger import service as ledger
from atlas.ledger.tables import SourceType
from tests.factories import Actor, Factory
from tests.sql import Sql

T = TypeVar("T")
Line = tuple[str, str, str]  # account code, debit, credit


def in_books(
    database: Settings,
    ws: dict[str, Any],
    work: Callable[[asyncpg.Connection, uuid.UUID], Awaitable[T]],
) -> T:
    """Runs `work` in one transaction of the app role inside the workspace, as a request
    would (the test process's own event loop; the server runs in a thread of its own)."""

    async def run() -> T:
        conn = await connect(database.runtime_url())
        try:
            async with conn.transaction():
                await enter_workspace(conn, ws["id"])
                return await work(conn, ws["id"])
        finally:
            await conn.close()

    return asyncio.run(run())


@dataclass
class Books:
    ws: dict[str, Any]
    owner: Actor
    database: Settings
    sql: Sql
    accounts: dict[str, uuid.UUID]  # by code

    def posting(
        self,
        on: date,
        lines: tuple[Line, ...],
        *,
        currency: str = "USD",
        memo: str = "",
        source_type: SourceType = SourceType.MANUAL,
        source_id: uuid.UUID | None = None,
        customer_id: uuid.UUID | None = None,
    ) -> ledger.Posting:
        return ledger.Posting(
            entry_date=on,
            currency=currency,
            memo=memo,
            source_type=source_type,
            source_id=source_id,
            source_event="posted",
            lines=[
                ledger.PostingLine(
                    account_id=self.accounts[code],
                    debit=Decimal(debit),
                    credit=Decimal(credit),
                    description=f"{code} line",
                    customer_id=customer_id,
                )
                for code, debit, credit in lines
            ],
        )

    def post(self, on: date, *lines: Line, **options: Any) -> dict[str, Any]:
        """One entry of `lines` on `on`, through `ledger.service.post` (`options`: those
        of `posting`)."""
        posting = self.posting(on, lines, **options)

        async def work(db: asyncpg.Connection, ws_id: uuid.UUID) -> dict[str, Any]:
            return dict(await ledger.post(db, ws_id, posting))

        return in_books(self.database, self.ws, work)

    def get(self, report: str, params: dict[str, str] | None = None) -> httpx.Response:
        return self.owner.get(f"/api/v1/reports/{report}", ws=self.ws, params=params or {})

    def report(self, report: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        resp = self.get(report, params)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def csv(self, report: str, params: dict[str, str]) -> list[dict[str, str]]:
        """The report's CSV rows, checked to be an attachment named after the report."""
        resp = self.get(report, {**params, "format": "csv"})
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("text/csv")
        on = params.get("as_of") or params["to"]
        assert resp.headers["content-disposition"] == f"attachment; filename={report}-{on}.csv"
        return list(csv.DictReader(io.StringIO(resp.text)))

    def set_fiscal_year_start(self, month: int) -> None:
        self.sql.owner(
            "UPDATE workspaces SET fiscal_year_start_month = %s WHERE id = %s", month, self.ws["id"]
        )


def new_books(factory: Factory, database: Settings) -> Books:
    owner = factory.user()
    ws = factory.workspace(owner)
    rows = factory.sql.app(
        "SELECT code, id FROM accounts WHERE workspace_id = %s", ws["id"], workspace=ws["id"]
    )
    accounts = {r["code"]: r["id"] for r in rows}
    return Books(ws, owner, database, factory.sql, accounts)


def post_the_year(books: Books) -> None:
    """Two years of a small business (USD unless said), the fiscal year from January:

    2025-06-10 capital 10,000 into the bank; 2025-11-05 a sale of 1,000 + 190 tax;
    2025-12-01 rent 300; 2026-02-01 the sale collected; 2026-02-15 services 500 on
    account; 2026-03-01 software 120; 2026-03-01 a sale of 77 in EUR; 2026-04-10 other
    income 50 (after the reports' day, 2026-03-31).
    """
    books.post(date(2025, 6, 10), ("1110", "10000.00", "0"), ("3100", "0", "10000.00"))
    books.post(
        date(2025, 11, 5),
        ("1200", "1190.00", "0"),
        ("4100", "0", "1000.00"),
        ("2200", "0", "190.00"),
    )
    books.post(date(2025, 12, 1), ("6200", "300.00", "0"), ("1110", "0", "300.00"))
    books.post(date(2026, 2, 1), ("1110", "1190.00", "0"), ("1200", "0", "1190.00"))
    books.post(date(2026, 2, 15), ("1200", "500.00", "0"), ("4200", "0", "500.00"))
    books.post(date(2026, 3, 1), ("6400", "120.00", "0"), ("1110", "0", "120.00"))
    books.post(date(2026, 3, 1), ("1110", "77.00", "0"), ("4100", "0", "77.00"), currency="EUR")
    books.post(date(2026, 4, 10), ("1110", "50.00", "0"), ("4900", "0", "50.00"))
