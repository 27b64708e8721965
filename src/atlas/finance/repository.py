"""Every SQL statement on customers, invoices, invoice lines, credit notes, payments and
invoice sends.

The repositories are built for one workspace and put `workspace_id = $1` into every
statement and every insert (joined and sub-selected tables included); row-level security
filters the same rows again. Constraint violations are raised as asyncpg errors for the
service to translate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from atlas.db.ids import uuid7
from atlas.db.query import ScopedRepository, Where, fetch_page, insert_rows, rank, set_list
from atlas.db.sql import escape_like
from atlas.db.textsearch import document, fetch_matches, tsquery
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
        f" AND {alias}.amount_paid + {alias}.amount_credited < {alias}.total)"
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
    c.payment_terms_days, c.income_account_id, c.created_at, c.updated_at"""
UPDATABLE_CUSTOMER_COLUMNS = frozenset(
    {
        "name",
        "email",
        "billing_address",
        "tax_id",
        "currency",
        "payment_terms_days",
        "income_account_id",
    }
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
        income_account_id: uuid.UUID | None,
    ) -> asyncpg.Record:
        """A new customer; without a currency, the workspace's base currency (global table)."""
        if currency is None:
            currency = await self.base_currency()
        row = await self.db.fetchrow(
            f"""INSERT INTO customers AS c (workspace_id, id, name, email, billing_address,
                                           tax_id, currency, payment_terms_days,
                                           income_account_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                RETURNING {CUSTOMER_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            name,
            email,
            billing_address,
            tax_id,
            currency,
            payment_terms_days,
            income_account_id,
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

    async def search(self, *, query: str, limit: int) -> Records:
        """Customers whose name or e-mail matches `query` (the best first)."""
        return await fetch_matches(
            self.db,
            CUSTOMER_COLUMNS,
            "customers c",
            Where(self.workspace_id, "c"),
            query,
            "lower(c.name), c.id",
            limit,
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


@dataclass(frozen=True)
class InvoiceListFilters:
    """What an invoice list matches: statuses (or overdue ones), a customer, a search."""

    statuses: Sequence[str]
    overdue: bool
    today: date
    customer_id: uuid.UUID | None
    q: str | None


# What an invoice still awaits (`service.balance` is the same rule in Python).
BALANCE = "(i.total - i.amount_paid - i.amount_credited)"
INVOICE_COLUMNS = """i.id, i.number, i.status, i.customer_id,
    (SELECT c.name FROM customers c WHERE c.workspace_id = $1 AND c.id = i.customer_id)
      AS customer_name,
    i.currency, i.issue_date, i.due_date, i.notes, i.subtotal, i.tax_total, i.total,
    i.amount_paid, i.amount_credited, i.issued_at, i.voided_at, i.created_at, i.updated_at"""
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
    l.subtotal, l.tax, l.total, l.income_account_id"""
PAYMENT_COLUMNS = """pm.id, pm.invoice_id, pm.amount, pm.paid_on, pm.method, pm.reference,
    pm.reversed_on, pm.created_at"""
SEND_COLUMNS = "s.id, s.invoice_id, s.to_email, s.subject, s.sent_by_user_id, s.created_at"


def _line_values(line: Mapping[str, Any]) -> tuple[Any, ...]:
    """An invoice's or a credit note's line as its columns from `description` on."""
    return tuple(
        line[name]
        for name in (
            "description",
            "quantity",
            "unit_price",
            "tax_rate",
            "subtotal",
            "tax",
            "total",
            "income_account_id",
        )
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
        where = self._matching(InvoiceListFilters(statuses, overdue, today, customer_id, q))
        return await fetch_page(
            self.db, INVOICE_COLUMNS, "invoices i", where, order, page.limit, page.offset
        )

    async def search(self, *, query: str, limit: int) -> Records:
        """Invoices whose number matches `query`, or whose customer's name or e-mail does;
        number matches first, then the latest. Two halves, so that each customer's words
        are matched once, not again for each of its invoices."""
        found = tsquery("$2")
        return await self.db.fetch(
            f"""SELECT {INVOICE_COLUMNS} FROM invoices i
                 WHERE i.workspace_id = $1 AND i.id IN (
                       SELECT n.id FROM invoices n
                        WHERE n.workspace_id = $1 AND {document("n")} @@ {found}
                       UNION ALL
                       SELECT m.id FROM invoices m
                         JOIN customers c ON c.workspace_id = $1 AND c.id = m.customer_id
                        WHERE m.workspace_id = $1 AND {document("c")} @@ {found})
                 ORDER BY ts_rank({document("i")}, {found}) DESC,
                          i.created_at DESC, i.id DESC
                 LIMIT $3""",
            self.workspace_id,
            query,
            limit,
        )

    async def totals(self, filters: InvoiceListFilters) -> Records:
        """Per currency, the count, total and balance of the invoices `filters` match."""
        where = self._matching(filters)
        return await self.db.fetch(
            f"""SELECT i.currency, count(*) AS count, sum(i.total) AS total,
                       sum({BALANCE}) AS balance
                  FROM invoices i WHERE {where.sql()} GROUP BY i.currency ORDER BY i.currency""",
            *where.args,
        )

    def _matching(self, filters: InvoiceListFilters) -> Where:
        statuses, overdue, today = filters.statuses, filters.overdue, filters.today
        customer_id, q = filters.customer_id, filters.q
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
        return where

    async def receivables(self, today: date) -> Records:
        """Per currency: open invoices, overdue ones, and what is outstanding."""
        overdue = overdue_sql("i", "$2")
        return await self.db.fetch(
            f"""SELECT i.currency,
                       count(*) AS open_count,
                       count(*) FILTER (WHERE {overdue}) AS overdue_count,
                       sum({BALANCE}) AS outstanding,
                       coalesce(sum({BALANCE}) FILTER (WHERE {overdue}), 0) AS overdue_amount
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
                                          AND (pm.reversed_on IS NULL
                                               OR pm.reversed_on > $3)), 0.00)
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
            """SELECT i.id, i.number, i.status, i.total, i.amount_paid, i.amount_credited,
                      i.currency, i.due_date,
                      c.name AS customer
                 FROM invoices i
                 JOIN customers c ON c.workspace_id = i.workspace_id AND c.id = i.customer_id
                WHERE i.workspace_id = $1
                ORDER BY i.updated_at DESC, i.id DESC LIMIT $2""",
            self.workspace_id,
            limit,
        )

    async def revenue_by_month(self, since: date) -> Records:
        """Revenue by currency and month, net of tax: every invoice ever issued (a voided
        one too) in its issue month, less each credit note in its own month, as the
        income accounts have them."""
        return await self.db.fetch(
            """SELECT currency, date_trunc('month', issue_date)::date AS month,
                      sum(amount) AS amount
                 FROM (SELECT currency, issue_date, subtotal AS amount
                         FROM invoices
                        WHERE workspace_id = $1 AND number IS NOT NULL AND issue_date >= $2
                       UNION ALL
                       SELECT currency, issue_date, -subtotal
                         FROM credit_notes
                        WHERE workspace_id = $1 AND issue_date >= $2) AS documents
                GROUP BY 1, 2""",
            self.workspace_id,
            since,
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
    ) -> asyncpg.Record:
        """Numbers and dates the draft; the issued invoice."""
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
        # Not RETURNING: the customer's name is a subquery, which Citus refuses there.
        row = await self.get(invoice_id)
        assert row is not None
        return row

    async def add_credited(self, invoice_id: uuid.UUID, amount: Decimal, status: str) -> None:
        """Adds a credit note to amount_credited and sets the status it leaves (a void
        invoice takes the time it was voided)."""
        voided = ", voided_at = now()" if status == "void" else ""
        await self.db.execute(
            f"""UPDATE invoices
                   SET amount_credited = amount_credited + $3, status = $4{voided},
                       updated_at = now()
                 WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            invoice_id,
            amount,
            status,
        )

    async def add_paid(self, invoice_id: uuid.UUID, amount: Decimal) -> None:
        """Adds a payment to amount_paid (a reversal adds a negative amount); the invoice is
        paid while nothing is left, issued again once something is."""
        await self.db.execute(
            """UPDATE invoices
                  SET amount_paid = amount_paid + $3,
                      status = CASE WHEN amount_paid + $3 + amount_credited = total THEN 'paid'
                                    ELSE 'issued' END,
                      updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            invoice_id,
            amount,
        )

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
                              unit_price, tax_rate, subtotal, tax, total, income_account_id)""",
            [
                (self.workspace_id, uuid7(), invoice_id, position, *_line_values(line))
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

    async def payment(
        self, invoice_id: uuid.UUID, payment_id: uuid.UUID, *, for_update: bool = False
    ) -> asyncpg.Record | None:
        lock = " FOR UPDATE" if for_update else ""
        return await self.db.fetchrow(
            f"""SELECT {PAYMENT_COLUMNS} FROM payments pm
                WHERE pm.workspace_id = $1 AND pm.invoice_id = $2 AND pm.id = $3{lock}""",
            self.workspace_id,
            invoice_id,
            payment_id,
        )

    async def mark_reversed(self, payment_id: uuid.UUID, on: date) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""UPDATE payments AS pm SET reversed_on = $3
                WHERE pm.workspace_id = $1 AND pm.id = $2 RETURNING {PAYMENT_COLUMNS}""",
            self.workspace_id,
            payment_id,
            on,
        )
        assert row is not None
        return row

    async def add_send(
        self, invoice_id: uuid.UUID, *, to_email: str, subject: str, sent_by: uuid.UUID
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO invoice_sends AS s (workspace_id, id, invoice_id, to_email,
                                                subject, sent_by_user_id)
                VALUES ($1, $2, $3, $4, $5, $6) RETURNING {SEND_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            invoice_id,
            to_email,
            subject,
            sent_by,
        )
        assert row is not None
        return row

    async def latest_sends(self, invoice_id: uuid.UUID, limit: int) -> Records:
        return await self.db.fetch(
            f"""SELECT {SEND_COLUMNS} FROM invoice_sends s
                WHERE s.workspace_id = $1 AND s.invoice_id = $2
                ORDER BY s.created_at DESC, s.id DESC LIMIT $3""",
            self.workspace_id,
            invoice_id,
            limit,
        )

    async def invoices_of_documents(self, document_ids: Sequence[uuid.UUID]) -> Records:
        """(document id, invoice id) of each of `document_ids` that is a payment or a credit
        note of the workspace."""
        return await self.db.fetch(
            """SELECT pm.id AS document_id, pm.invoice_id FROM payments pm
                WHERE pm.workspace_id = $1 AND pm.id = ANY($2::uuid[])
               UNION ALL
               SELECT n.id, n.invoice_id FROM credit_notes n
                WHERE n.workspace_id = $1 AND n.id = ANY($2::uuid[])""",
            self.workspace_id,
            list(document_ids),
        )

    async def issued(self) -> Records:
        """Every invoice ever issued (void ones too), by issue date: what the books hold."""
        return await self.db.fetch(
            f"""SELECT {INVOICE_COLUMNS} FROM invoices i
                WHERE i.workspace_id = $1 AND i.status <> 'draft'
                ORDER BY i.issue_date, i.number""",
            self.workspace_id,
        )

    async def all_payments(self) -> Records:
        """Every payment of the workspace with its invoice's currency, customer and number."""
        return await self.db.fetch(
            f"""SELECT {PAYMENT_COLUMNS}, i.currency, i.customer_id, i.number AS invoice_number
                  FROM payments pm
                  JOIN invoices i ON i.workspace_id = pm.workspace_id AND i.id = pm.invoice_id
                 WHERE pm.workspace_id = $1
                 ORDER BY pm.paid_on, pm.id""",
            self.workspace_id,
        )


# Credit notes

CREDIT_NOTE_COLUMNS = """n.id, n.number, n.invoice_id,
    (SELECT i.number FROM invoices i WHERE i.workspace_id = $1 AND i.id = n.invoice_id)
      AS invoice_number,
    (SELECT i.customer_id FROM invoices i WHERE i.workspace_id = $1 AND i.id = n.invoice_id)
      AS customer_id,
    (SELECT c.name FROM invoices i
       JOIN customers c ON c.workspace_id = i.workspace_id AND c.id = i.customer_id
      WHERE i.workspace_id = $1 AND i.id = n.invoice_id) AS customer_name,
    n.issue_date, n.currency, n.reason, n.subtotal, n.tax_total, n.total, n.created_at"""
CREDIT_NOTE_SORTS = {
    "number": "number",
    "issue_date": "issue_date",
    "total": "total",
    "created_at": "created_at",
}


class CreditNotesRepository(ScopedRepository):
    async def create(
        self,
        *,
        invoice_id: uuid.UUID,
        number: str,
        issue_date: date,
        currency: str,
        reason: str,
        totals: Mapping[str, Decimal],
        lines: Sequence[Mapping[str, Any]],
    ) -> uuid.UUID:
        """The credit note and its lines (numbered from 1), each line naming its account."""
        note_id = uuid7()
        await self.db.execute(
            """INSERT INTO credit_notes (workspace_id, id, invoice_id, number, issue_date,
                                         currency, reason, subtotal, tax_total, total)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            self.workspace_id,
            note_id,
            invoice_id,
            number,
            issue_date,
            currency,
            reason,
            totals["subtotal"],
            totals["tax_total"],
            totals["total"],
        )
        await insert_rows(
            self.db,
            """credit_note_lines (workspace_id, id, credit_note_id, position, description,
                                  quantity, unit_price, tax_rate, subtotal, tax, total,
                                  income_account_id)""",
            [
                (self.workspace_id, uuid7(), note_id, position, *_line_values(line))
                for position, line in enumerate(lines, start=1)
            ],
        )
        return note_id

    async def get(self, note_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {CREDIT_NOTE_COLUMNS} FROM credit_notes n"
            " WHERE n.workspace_id = $1 AND n.id = $2",
            self.workspace_id,
            note_id,
        )

    async def lines(self, note_id: uuid.UUID) -> Records:
        return await self.db.fetch(
            f"""SELECT {LINE_COLUMNS} FROM credit_note_lines l
                WHERE l.workspace_id = $1 AND l.credit_note_id = $2 ORDER BY l.position""",
            self.workspace_id,
            note_id,
        )

    async def list(
        self,
        *,
        invoice_id: uuid.UUID | None,
        customer_id: uuid.UUID | None,
        q: str | None,
        sort: str | None,
        page: PageRequest,
    ) -> tuple[Records, int]:
        order = order_by(sort, CREDIT_NOTE_SORTS, "-created_at")
        where = Where(self.workspace_id, "n")
        if invoice_id is not None:
            where.add(f"n.invoice_id = {where.param(invoice_id)}")
        if customer_id is not None:
            where.add(
                "EXISTS (SELECT 1 FROM invoices i WHERE i.workspace_id = $1"
                f" AND i.id = n.invoice_id AND i.customer_id = {where.param(customer_id)})"
            )
        if q:
            where.add(f"n.number ILIKE {where.param(f'%{escape_like(q)}%')}")
        return await fetch_page(
            self.db, CREDIT_NOTE_COLUMNS, "credit_notes n", where, order, page.limit, page.offset
        )
