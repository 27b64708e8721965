"""Every SQL statement on customers, invoices, invoice lines and payments.

The repositories are built for one workspace and put `workspace_id = $1` into every
statement and every insert (joined and sub-selected tables included); row-level security
filters the same rows again. Constraint violations are raised as asyncpg errors for the
service to translate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from atlas.db.ids import uuid7
from atlas.db.query import ScopedRepository, Where, fetch_page, insert_rows, rank, set_list
from atlas.db.sql import escape_like
from atlas.finance.tables import INVOICE_STATUSES
from atlas.pagination import PageRequest, order_by

# A module-level name: repositories' `list` methods shadow the builtin in class bodies.
Records = list[asyncpg.Record]

# The status of an invoice that is out and awaits payment.
OPEN_INVOICE_STATUS = "issued"


def overdue_sql(alias: str, today: str) -> str:
    """`service.is_overdue` as SQL over `invoices <alias>`, `today` being a parameter."""
    return (
        f"({alias}.status = '{OPEN_INVOICE_STATUS}' AND {alias}.due_date < {today}"
        f" AND {alias}.amount_paid < {alias}.total)"
    )


# The receivables aging's buckets over `days_past_due` (due on the day itself: current).
AGING_BUCKETS = {
    "current": "o.days_past_due <= 0",
    "days_1_30": "o.days_past_due BETWEEN 1 AND 30",
    "days_31_60": "o.days_past_due BETWEEN 31 AND 60",
    "days_61_90": "o.days_past_due BETWEEN 61 AND 90",
    "over_90": "o.days_past_due > 90",
}


def utc_day(column: str) -> str:
    """The day (in UTC, as the business dates are) of a timestamp column."""
    return f"({column} AT TIME ZONE 'UTC')::date"


# Customers

CUSTOMER_COLUMNS = """c.id, c.name, c.email, c.billing_address, c.tax_id, c.currency,
    c.payment_terms_days, c.created_at, c.updated_at"""
UPDATABLE_CUSTOMER_COLUMNS = frozenset(
    {"name", "email", "billing_address", "tax_id", "currency", "payment_terms_days"}
)
CUSTOMER_SORTS = {"name": "lower(name)", "created_at": "created_at"}


class CustomersRepository(ScopedRepository):
    async def create(
        self,
        *,
        name: str,
        email: str | None,
        billing_address: str,
        tax_id: str | None,
        currency: str | None,
        payment_terms_days: int,
    ) -> asyncpg.Record:
        """A new customer; without a currency, the workspace's base currency (global table)."""
        if currency is None:
            currency = await self.base_currency()
        row = await self.db.fetchrow(
            f"""INSERT INTO customers AS c (workspace_id, id, name, email, billing_address,
                                           tax_id, currency, payment_terms_days)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                RETURNING {CUSTOMER_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            name,
            email,
            billing_address,
            tax_id,
            currency,
            payment_terms_days,
        )
        assert row is not None
        return row

    async def get(self, customer_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.workspace_id = $1 AND c.id = $2",
            self.workspace_id,
            customer_id,
        )

    async def list(
        self, *, q: str | None, sort: str | None, page: PageRequest
    ) -> tuple[Records, int]:
        order = order_by(sort, CUSTOMER_SORTS, "name")
        where = Where(self.workspace_id, "c")
        if q:
            pattern = where.param(f"%{escape_like(q)}%")
            where.add(f"(c.name ILIKE {pattern} OR c.email ILIKE {pattern})")
        return await fetch_page(
            self.db, CUSTOMER_COLUMNS, "customers c", where, order, page.limit, page.offset
        )

    async def update(
        self, customer_id: uuid.UUID, changes: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        sets = set_list(changes, UPDATABLE_CUSTOMER_COLUMNS, first=3)
        return await self.db.fetchrow(
            f"""UPDATE customers AS c SET {sets}, updated_at = now()
                WHERE c.workspace_id = $1 AND c.id = $2 RETURNING {CUSTOMER_COLUMNS}""",
            self.workspace_id,
            customer_id,
            *changes.values(),
        )

    async def delete(self, customer_id: uuid.UUID) -> bool:
        """Deletes the customer; a foreign key refuses it while invoices point at it."""
        result = await self.db.execute(
            "DELETE FROM customers WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            customer_id,
        )
        return result != "DELETE 0"

    async def has_invoices(self, customer_id: uuid.UUID) -> bool:
        found = await self.db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM invoices WHERE workspace_id = $1 AND customer_id = $2)",
            self.workspace_id,
            customer_id,
        )
        return bool(found)


# Invoices

INVOICE_COLUMNS = """i.id, i.number, i.status, i.customer_id,
    (SELECT c.name FROM customers c WHERE c.workspace_id = $1 AND c.id = i.customer_id)
      AS customer_name,
    i.currency, i.issue_date, i.due_date, i.notes, i.subtotal, i.tax_total, i.total,
    i.amount_paid, i.issued_at, i.voided_at, i.created_at, i.updated_at"""
UPDATABLE_INVOICE_COLUMNS = frozenset(
    {"customer_id", "currency", "issue_date", "due_date", "notes", "subtotal", "tax_total", "total"}
)
INVOICE_SORTS = {
    "number": "number",
    "status": rank("status", INVOICE_STATUSES),
    "issue_date": "issue_date",
    "due_date": "due_date",
    "total": "total",
    # The customer's name read again, not the column's alias: pages are chosen before
    # their columns are computed (atlas.db.query.fetch_page). The workspace is the list's
    # own `$1`: Citus routes a correlated sub-select to the shard only when it names the
    # workspace the way the query's filter does.
    "customer": "(SELECT c.name FROM customers c"
    " WHERE c.workspace_id = $1 AND c.id = i.customer_id)",
    "created_at": "created_at",
}
LINE_COLUMNS = """l.id, l.position, l.description, l.quantity, l.unit_price, l.tax_rate,
    l.subtotal, l.tax, l.total"""
PAYMENT_COLUMNS = (
    "pm.id, pm.invoice_id, pm.amount, pm.paid_on, pm.method, pm.reference, pm.created_at"
)


class InvoicesRepository(ScopedRepository):
    async def create(
        self,
        *,
        customer_id: uuid.UUID,
        currency: str,
        issue_date: date | None,
        due_date: date | None,
        notes: str,
        subtotal: Decimal,
        tax_total: Decimal,
        total: Decimal,
    ) -> uuid.UUID:
        invoice_id = uuid7()
        await self.db.execute(
            """INSERT INTO invoices (workspace_id, id, customer_id, status, currency, issue_date,
                                     due_date, notes, subtotal, tax_total, total)
               VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10)""",
            self.workspace_id,
            invoice_id,
            customer_id,
            currency,
            issue_date,
            due_date,
            notes,
            subtotal,
            tax_total,
            total,
        )
        return invoice_id

    async def get(
        self, invoice_id: uuid.UUID, *, for_update: bool = False
    ) -> asyncpg.Record | None:
        """The invoice; `for_update` locks its row until the transaction ends."""
        lock = " FOR UPDATE OF i" if for_update else ""
        return await self.db.fetchrow(
            f"SELECT {INVOICE_COLUMNS} FROM invoices i WHERE i.workspace_id = $1 AND i.id = $2"
            + lock,
            self.workspace_id,
            invoice_id,
        )

    async def list(
        self,
        *,
        statuses: Sequence[str],
        overdue: bool,
        today: date,
        customer_id: uuid.UUID | None,
        q: str | None,
        sort: str | None,
        page: PageRequest,
    ) -> tuple[Records, int]:
        order = order_by(sort, INVOICE_SORTS, "-created_at")
        where = Where(self.workspace_id, "i")
        matches = []
        if statuses:
            matches.append(f"i.status = ANY({where.param(list(statuses))}::text[])")
        if overdue:
            matches.append(overdue_sql("i", where.param(today)))
        if matches:
            where.add(f"({' OR '.join(matches)})")
        if customer_id is not None:
            where.add(f"i.customer_id = {where.param(customer_id)}")
        if q:
            pattern = where.param(f"%{escape_like(q)}%")
            where.add(
                f"(i.number ILIKE {pattern} OR EXISTS (SELECT 1 FROM customers c"
                f" WHERE c.workspace_id = $1 AND c.id = i.customer_id AND c.name ILIKE {pattern}))"
            )
        return await fetch_page(
            self.db, INVOICE_COLUMNS, "invoices i", where, order, page.limit, page.offset
        )

    async def receivables(self, today: date) -> Records:
        """Per currency: open invoices, overdue ones, and what is outstanding."""
        overdue = overdue_sql("i", "$2")
        return await self.db.fetch(
            f"""SELECT i.currency,
                       count(*) AS open_count,
                       count(*) FILTER (WHERE {overdue}) AS overdue_count,
                       sum(i.total - i.amount_paid) AS outstanding,
                       coalesce(sum(i.total - i.amount_paid) FILTER (WHERE {overdue}), 0)
                           AS overdue_amount
                  FROM invoices i
                 WHERE i.workspace_id = $1 AND i.status = '{OPEN_INVOICE_STATUS}'
                 GROUP BY i.currency ORDER BY i.currency""",
            self.workspace_id,
            today,
        )

    async def receivables_aging(self, currency: str, on: date) -> Records:
        """Per customer, what its invoices in `currency` were owed on `on`, by days past
        due: each issued invoice's total less the payments made by then (a reversed one
        counts until the day of its reversal) and the credit notes issued by then."""
        buckets = ",\n".join(
            f"coalesce(sum(o.balance) FILTER (WHERE {rule}), 0.00) AS {bucket}"
            for bucket, rule in AGING_BUCKETS.items()
        )
        return await self.db.fetch(
            f"""WITH owed AS (
                    SELECT i.customer_id, $3 - i.due_date AS days_past_due,
                           i.total
                           - coalesce((SELECT sum(pm.amount) FROM payments pm
                                        WHERE pm.workspace_id = $1 AND pm.invoice_id = i.id
                                          AND pm.paid_on <= $3
                                          AND (pm.reversed_at IS NULL
                                               OR {utc_day("pm.reversed_at")} > $3)), 0.00)
                           - coalesce((SELECT sum(cn.total) FROM credit_notes cn
                                        WHERE cn.workspace_id = $1 AND cn.invoice_id = i.id
                                          AND cn.issue_date <= $3), 0.00) AS balance
                      FROM invoices i
                     WHERE i.workspace_id = $1 AND i.currency = $2 AND i.status <> 'draft'
                       AND i.issue_date <= $3
                       AND (i.voided_at IS NULL OR {utc_day("i.voided_at")} > $3)
                )
                SELECT c.id AS customer_id, c.name AS customer_name, {buckets},
                       sum(o.balance) AS total
                  FROM owed o
                  JOIN customers c ON c.workspace_id = $1 AND c.id = o.customer_id
                 WHERE o.balance <> 0
                 GROUP BY c.id, c.name
                 ORDER BY lower(c.name), c.id""",
            self.workspace_id,
            currency,
            on,
        )

    async def latest(self, limit: int) -> Records:
        """The invoices changed last (drafts included), with their customer's name."""
        return await self.db.fetch(
            """SELECT i.id, i.number, i.status, i.total, i.amount_paid, i.currency, i.due_date,
                      c.name AS customer
                 FROM invoices i
                 JOIN customers c ON c.workspace_id = i.workspace_id AND c.id = i.customer_id
                WHERE i.workspace_id = $1
                ORDER BY i.updated_at DESC, i.id DESC LIMIT $2""",
            self.workspace_id,
            limit,
        )

    async def revenue_by_month(self, since: date, currency: str) -> Records:
        """Invoiced revenue (issued and paid invoices, by issue month) in one currency."""
        return await self.db.fetch(
            """SELECT date_trunc('month', issue_date)::date AS month, sum(subtotal) AS amount
                 FROM invoices
                WHERE workspace_id = $1 AND status IN ('issued', 'paid')
                  AND issue_date >= $2 AND currency = $3
                GROUP BY 1""",
            self.workspace_id,
            since,
            currency,
        )

    async def update(self, invoice_id: uuid.UUID, changes: Mapping[str, Any]) -> None:
        sets = set_list(changes, UPDATABLE_INVOICE_COLUMNS, first=3)
        await self.db.execute(
            f"""UPDATE invoices SET {sets}, updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            invoice_id,
            *changes.values(),
        )

    async def delete(self, invoice_id: uuid.UUID) -> None:
        """Deletes the invoice and its lines (ON DELETE CASCADE)."""
        await self.db.execute(
            "DELETE FROM invoices WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            invoice_id,
        )

    async def issue(
        self, invoice_id: uuid.UUID, *, number: str, issue_date: date, due_date: date
    ) -> None:
        await self.db.execute(
            """UPDATE invoices SET status = 'issued', number = $3, issue_date = $4,
                      due_date = $5, issued_at = now(), updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            invoice_id,
            number,
            issue_date,
            due_date,
        )

    async def void(self, invoice_id: uuid.UUID) -> None:
        await self.db.execute(
            """UPDATE invoices SET status = 'void', voided_at = now(), updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            invoice_id,
        )

    async def add_paid(self, invoice_id: uuid.UUID, amount: Decimal) -> None:
        """Adds a payment to amount_paid; the invoice becomes paid when nothing is left."""
        await self.db.execute(
            """UPDATE invoices
                  SET amount_paid = amount_paid + $3,
                      status = CASE WHEN amount_paid + $3 = total THEN 'paid' ELSE status END,
                      updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            invoice_id,
            amount,
        )

    async def count_lines(self, invoice_id: uuid.UUID) -> int:
        count = await self.db.fetchval(
            "SELECT count(*) FROM invoice_lines WHERE workspace_id = $1 AND invoice_id = $2",
            self.workspace_id,
            invoice_id,
        )
        return int(count)

    async def lines(self, invoice_id: uuid.UUID) -> Records:
        return await self.db.fetch(
            f"""SELECT {LINE_COLUMNS} FROM invoice_lines l
                WHERE l.workspace_id = $1 AND l.invoice_id = $2 ORDER BY l.position""",
            self.workspace_id,
            invoice_id,
        )

    async def replace_lines(
        self, invoice_id: uuid.UUID, lines: Sequence[Mapping[str, Any]]
    ) -> None:
        """Deletes the invoice's lines and inserts `lines` (numbered from 1), a hundred a
        statement."""
        await self.db.execute(
            "DELETE FROM invoice_lines WHERE workspace_id = $1 AND invoice_id = $2",
            self.workspace_id,
            invoice_id,
        )
        await insert_rows(
            self.db,
            """invoice_lines (workspace_id, id, invoice_id, position, description, quantity,
                              unit_price, tax_rate, subtotal, tax, total)""",
            [
                (
                    self.workspace_id,
                    uuid7(),
                    invoice_id,
                    position,
                    line["description"],
                    line["quantity"],
                    line["unit_price"],
                    line["tax_rate"],
                    line["subtotal"],
                    line["tax"],
                    line["total"],
                )
                for position, line in enumerate(lines, start=1)
            ],
        )

    async def payments(self, invoice_id: uuid.UUID) -> Records:
        return await self.db.fetch(
            f"""SELECT {PAYMENT_COLUMNS} FROM payments pm
                WHERE pm.workspace_id = $1 AND pm.invoice_id = $2
                ORDER BY pm.paid_on, pm.id""",
            self.workspace_id,
            invoice_id,
        )

    async def add_payment(
        self,
        invoice_id: uuid.UUID,
        *,
        amount: Decimal,
        paid_on: date,
        method: str,
        reference: str,
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO payments AS pm (workspace_id, id, invoice_id, amount, paid_on,
                                           method, reference)
                VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {PAYMENT_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            invoice_id,
            amount,
            paid_on,
            method,
            reference,
        )
        assert row is not None
        return row
