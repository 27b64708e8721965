"""Six months of two workspaces' books, from a fixed seed: thousands of invoices, credit
notes, voids, payments and their reversals, manual entries and theirs, interleaved
between the workspaces and walking forward from October 2025 to March 2026 (across a
fiscal year's end), each step in a transaction of its own through the real services, as
a request would run it.

The test keeps its own books beside the database's: every account's balance from the
amounts it sent, each invoice's balance and status, and the numbers each year should
have used. After every step the journal balances and matches those books, the
receivables account equals the open invoices' balances, and the aging of the day totals
the same. At every month end the trial balance, the balance sheet and the aging as of
that day agree with the books kept here, and the month is locked. Some steps are refused
on purpose (an overpayment, a posting into a locked month, ...): each is refused with its
code and leaves the books as they were. At the end the numbers of entries, invoices and
credit notes run without gaps per workspace and year, the past month ends report what
they reported then, the hash chains verify, and neither workspace's lines name the
other's accounts or customers.

The business day is the scenario's day: voiding dates its credit note "today".
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import asyncpg
import pytest

from atlas.config import Settings
from atlas.db.pool import connect
from atlas.db.rls import enter_workspace
from atlas.errors import AtlasError
from atlas.finance import schemas as finance_schemas
from atlas.finance import service as finance
from atlas.ledger import reports
from atlas.ledger import schemas as ledger_schemas
from atlas.ledger import service as ledger
from atlas.ledger.chart import DEFAULT_CHART
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.permissions import permissions_of
from tests.factories import Factory

T = TypeVar("T")

SEED = 20251006
FIRST_DAY = date(2025, 10, 6)
LAST_DAY = date(2026, 3, 31)
STEPS = 2_400  # across both workspaces
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
TAX_RATES = [Decimal(r) for r in ("0", "5", "7.5", "8.25", "10", "16", "19", "20", "21")]
TERMS_DAYS = (0, 14, 30, 45, 60)
MAX_CUSTOMERS = 15
ACCOUNT_TYPES = {a.code: a.type for a in DEFAULT_CHART}
BANK, RECEIVABLES, TAX_PAYABLE, SALES = "1110", "1200", "2200", "4100"
EXPENSES = ("5100", "6100", "6200", "6300", "6400", "6500", "6600", "6700")
# The step kinds and how often each is drawn; one that finds nothing to act on issues an
# invoice instead.
WEIGHTS = {
    "invoice": 26,
    "payment": 24,
    "payment_reversal": 4,
    "credit_note": 8,
    "void": 4,
    "manual_entry": 16,
    "manual_reversal": 5,
    "customer": 3,
    "refusal": 6,
}

Line = tuple[str, Decimal, Decimal]  # account code, debit, credit


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def earnings(balances: dict[str, Decimal]) -> Decimal:
    """Income less expenses of debit-positive `balances`, credit-positive."""
    earned = (a for code, a in balances.items() if ACCOUNT_TYPES[code] in ("income", "expense"))
    return ZERO - sum(earned, ZERO)


def mirror(lines: list[Line]) -> list[Line]:
    return [(code, credit, debit) for code, debit, credit in lines]


@dataclass
class Customer:
    id: uuid.UUID
    income_code: str
    terms_days: int


@dataclass
class Invoice:
    """An issued invoice as the scenario expects it."""

    id: uuid.UUID
    customer: Customer
    issue_date: date
    due_date: date
    income: dict[str, Decimal]  # income account code -> the lines' subtotals
    tax_total: Decimal
    total: Decimal
    paid: Decimal = ZERO
    credited: Decimal = ZERO
    status: str = "issued"

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid - self.credited

    def sale(self) -> list[Line]:
        """What its issue posts: receivables against income per account and tax."""
        return [
            (RECEIVABLES, self.total, ZERO),
            *((code, ZERO, amount) for code, amount in self.income.items()),
            (TAX_PAYABLE, ZERO, self.tax_total),
        ]


@dataclass
class Payment:
    id: uuid.UUID
    invoice: Invoice
    amount: Decimal
    reversed: bool = False


@dataclass
class ManualEntry:
    id: uuid.UUID
    lines: list[Line]
    reversed: bool = False


@dataclass
class Snapshot:
    """What a month end reported, to be asked again at the end."""

    trial_balance: ledger_schemas.TrialBalanceAmounts
    opening: dict[str, Decimal]
    closing: dict[str, Decimal]
    earnings: dict[str, Decimal]  # the balance sheet's computed lines, by name
    assets: Decimal
    liabilities_and_equity: Decimal
    aging: finance_schemas.AgingBuckets


@dataclass
class Books:
    """One workspace: its connection and context, and its books as the scenario keeps them."""

    name: str
    ctx: WorkspaceContext
    db: asyncpg.Connection
    accounts: dict[str, uuid.UUID]  # by code
    currency: str  # the workspace's base currency, which every document is in
    balances: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    debit_total: Decimal = ZERO
    customers: list[Customer] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    manual_entries: list[ManualEntry] = field(default_factory=list)
    numbers: Counter[str] = field(default_factory=Counter)  # "JE-2025" -> how many
    steps: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    month_ends: dict[date, Snapshot] = field(default_factory=dict)
    year_openings: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    lock_date: date | None = None

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.ctx.workspace_id

    def post(self, on: date, lines: list[Line]) -> str | None:
        """Books an entry of `lines` (those of no amount left out, as the ledger does);
        the number it should take, None for an entry of nothing (not posted)."""
        lines = [line for line in lines if line[1] or line[2]]
        if not lines:
            return None
        assert sum(d for _, d, _ in lines) == sum(c for _, _, c in lines)
        for code, debit, credit in lines:
            self.balances[code] += debit - credit
            self.debit_total += debit
        key = f"JE-{on.year}"
        self.numbers[key] += 1
        return f"{key}-{self.numbers[key]:04d}"

    def take(self, kind: str, year: int) -> str:
        key = f"{kind}-{year}"
        self.numbers[key] += 1
        return f"{key}-{self.numbers[key]:04d}"

    def nonzero_balances(self) -> dict[str, Decimal]:
        return {code: amount for code, amount in self.balances.items() if amount}

    def open_invoices(self) -> list[Invoice]:
        return [i for i in self.invoices if i.status == "issued" and i.balance > 0]

    def open_balance(self) -> Decimal:
        return sum((i.balance for i in self.invoices), ZERO)

    def statuses(self) -> dict[str, int]:
        return dict(Counter(i.status for i in self.invoices))

    def aging(self, on: date) -> dict[str, Decimal]:
        """The aging buckets of what is open now, by days past due on `on`."""
        buckets = dict.fromkeys(finance_schemas.AgingBuckets.model_fields, ZERO)
        for invoice in self.invoices:
            if not invoice.balance:
                continue
            late = (on - invoice.due_date).days
            if late <= 0:
                bucket = "current"
            elif late <= 30:
                bucket = "days_1_30"
            elif late <= 60:
                bucket = "days_31_60"
            elif late <= 90:
                bucket = "days_61_90"
            else:
                bucket = "over_90"
            buckets[bucket] += invoice.balance
            buckets["total"] += invoice.balance
        return buckets

    def section_totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """Assets (debit-positive), liabilities and equity with the earnings (credit-positive)."""
        by_type: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for code, amount in self.balances.items():
            by_type[ACCOUNT_TYPES[code]] += amount
        equity = ZERO - by_type["equity"] - by_type["income"] - by_type["expense"]
        return by_type["asset"], ZERO - by_type["liability"], equity


async def in_step(books: Books, work: Callable[[], Awaitable[T]]) -> T:
    """`work` in one transaction of the app role inside the workspace, as a request runs."""
    async with books.db.transaction():
        await enter_workspace(books.db, books.workspace_id)
        return await work()


async def fingerprint(books: Books) -> dict[str, Any]:
    """What a refused step must leave as it was: the journal and the documents."""

    async def read() -> dict[str, Any]:
        row = await books.db.fetchrow(
            """SELECT (SELECT count(*) FROM journal_entries WHERE workspace_id = $1) AS entries,
                      (SELECT count(*) FROM journal_lines WHERE workspace_id = $1) AS lines,
                      (SELECT sum(debit) FROM journal_lines WHERE workspace_id = $1) AS debit,
                      (SELECT string_agg(concat_ws(':', status, amount_paid, amount_credited),
                                         ',' ORDER BY id)
                         FROM invoices WHERE workspace_id = $1) AS invoices,
                      (SELECT count(*) FROM payments WHERE workspace_id = $1) AS payments,
                      (SELECT count(*) FROM payments
                        WHERE workspace_id = $1 AND reversed_on IS NOT NULL) AS reversed,
                      (SELECT count(*) FROM credit_notes WHERE workspace_id = $1) AS notes""",
            books.workspace_id,
        )
        assert row is not None
        return dict(row)

    return await in_step(books, read)


async def refused(books: Books, code: str, work: Callable[[], Awaitable[object]]) -> None:
    """`work` is refused with `code` and changes nothing."""
    before = await fingerprint(books)
    with pytest.raises(AtlasError) as caught:
        await in_step(books, work)
    assert caught.value.code == code, caught.value.message
    assert await fingerprint(books) == before
    books.refusals[code] += 1


class Scenario:
    def __init__(self, rng: random.Random, today: list[date]) -> None:
        self.rng = rng
        self.today = today  # the business day, a one-item list the patched clock reads

    @property
    def day(self) -> date:
        return self.today[0]

    # Random amounts, in cents and thousandths.

    def money(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low, high)) / 100

    def quantity(self) -> Decimal:
        if self.rng.random() < 0.6:
            return Decimal(self.rng.randint(1, 12))
        return Decimal(self.rng.randint(1, 20_000)) / 1000

    def part_of(self, amount: Decimal) -> Decimal:
        """Between one cent and `amount` less one cent (`amount` above a cent)."""
        return Decimal(self.rng.randint(1, int(amount * 100) - 1)) / 100

    # The steps

    async def step(self, books: Books) -> None:
        kind = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        if not books.customers:
            kind = "customer"
        done = await getattr(self, kind)(books)
        if done is False:
            await self.invoice(books)
            kind = "invoice"
        books.steps[kind] += 1

    async def customer(self, books: Books) -> bool:
        if len(books.customers) >= MAX_CUSTOMERS:
            return False
        n = len(books.customers) + 1
        income = "4200" if self.rng.random() < 0.3 else SALES
        terms = self.rng.choice(TERMS_DAYS)
        data = finance_schemas.CustomerCreate(
            name=f"{books.name} customer {n:02d}",
            payment_terms_days=terms,
            income_account_id=books.accounts[income] if income != SALES else None,
        )
        created = await in_step(books, lambda: finance.create_customer(books.ctx, books.db, data))
        books.customers.append(Customer(created.id, income, terms))
        return True

    async def invoice(self, books: Books) -> bool:
        customer = self.rng.choice(books.customers)
        lines = []
        income: dict[str, Decimal] = defaultdict(lambda: ZERO)
        tax_total = ZERO
        for n in range(self.rng.randint(1, 4)):
            account = self.rng.choice([None, None, "4200", "4900"])
            line = finance_schemas.InvoiceLineIn(
                description=f"Item {n + 1}",
                quantity=self.quantity(),
                unit_price=self.money(1, 250_000),
                tax_rate=self.rng.choice(TAX_RATES),
                income_account_id=books.accounts[account] if account else None,
            )
            lines.append(line)
            # The rule of the invoice's arithmetic, computed here on its own.
            subtotal = cents(line.quantity * line.unit_price)
            tax = cents(subtotal * line.tax_rate / 100)
            income[account or customer.income_code] += subtotal
            tax_total += tax
        subtotal_total = sum(income.values(), ZERO)
        data = finance_schemas.InvoiceCreate(
            customer_id=customer.id, issue_date=self.day, lines=lines
        )

        async def create_and_issue() -> finance_schemas.Invoice:
            draft = await finance.create_invoice(books.ctx, books.db, data)
            return await finance.issue_invoice(books.ctx, books.db, draft.id)

        issued = await in_step(books, create_and_issue)
        invoice = Invoice(
            id=issued.id,
            customer=customer,
            issue_date=self.day,
            due_date=self.day + timedelta(days=customer.terms_days),
            income=dict(income),
            tax_total=tax_total,
            total=subtotal_total + tax_total,
        )
        assert issued.number == books.take("INV", self.day.year)
        assert (issued.status, issued.issue_date, issued.due_date) == (
            "issued",
            invoice.issue_date,
            invoice.due_date,
        )
        assert (issued.subtotal, issued.tax_total, issued.total) == (
            subtotal_total,
            tax_total,
            invoice.total,
        )
        books.invoices.append(invoice)
        books.post(self.day, invoice.sale())
        return True

    async def payment(self, books: Books) -> bool:
        candidates = books.open_invoices()
        if not candidates:
            return False
        invoice = self.rng.choice(candidates)
        full = invoice.balance == CENT or self.rng.random() < 0.45
        amount = invoice.balance if full else self.part_of(invoice.balance)
        data = finance_schemas.PaymentCreate(
            amount=amount,
            paid_on=self.day,
            method=self.rng.choice(["bank_transfer", "card", "cash"]),
        )
        paid = await in_step(
            books, lambda: finance.record_payment(books.ctx, books.db, invoice.id, data)
        )
        assert (paid.amount, paid.paid_on, paid.reversed_on) == (amount, self.day, None)
        books.payments.append(Payment(paid.id, invoice, amount))
        invoice.paid += amount
        invoice.status = "issued" if invoice.balance else "paid"
        books.post(self.day, [(BANK, amount, ZERO), (RECEIVABLES, ZERO, amount)])
        return True

    async def payment_reversal(self, books: Books) -> bool:
        candidates = [p for p in books.payments if not p.reversed]
        if not candidates:
            return False
        payment = self.rng.choice(candidates)
        data = finance_schemas.PaymentReversal(reversed_on=self.day)
        taken_back = await in_step(
            books,
            lambda: finance.reverse_payment(
                books.ctx, books.db, payment.invoice.id, payment.id, data
            ),
        )
        assert taken_back.reversed_on == self.day
        payment.reversed = True
        invoice = payment.invoice
        invoice.paid -= payment.amount
        # Paid again only if credit notes settle it all the same (a payment's reversal
        # never voids).
        invoice.status = "issued" if invoice.balance else "paid"
        books.post(self.day, [(BANK, ZERO, payment.amount), (RECEIVABLES, payment.amount, ZERO)])
        return True

    def credit_lines(
        self, books: Books, invoice: Invoice
    ) -> tuple[list[finance_schemas.InvoiceLineIn], dict[str, Decimal], Decimal]:
        """Lines crediting part (now and then all) of the balance: the lines, their
        subtotals by income account and their tax."""
        balance = invoice.balance
        account = self.rng.choice([None, None, "4200"])
        code = account or invoice.customer.income_code
        account_id = books.accounts[account] if account else None
        if balance == CENT or self.rng.random() < 0.25:
            line = finance_schemas.InvoiceLineIn(
                description="Settled", quantity=1, unit_price=balance, income_account_id=account_id
            )
            return [line], {code: balance}, ZERO
        rate = self.rng.choice(TAX_RATES)
        price = cents(self.part_of(balance) / (1 + rate / 100))
        tax = cents(price * rate / 100)
        if price == 0 or price + tax >= balance:
            price, rate, tax = self.part_of(balance), Decimal(0), ZERO
        line = finance_schemas.InvoiceLineIn(
            description="Discount",
            quantity=1,
            unit_price=price,
            tax_rate=rate,
            income_account_id=account_id,
        )
        return [line], {code: price}, tax

    async def credit_note(self, books: Books) -> bool:
        candidates = books.open_invoices()
        if not candidates:
            return False
        invoice = self.rng.choice(candidates)
        lines, income, tax = self.credit_lines(books, invoice)
        total = sum(income.values(), ZERO) + tax
        data = finance_schemas.CreditNoteCreate(reason="Discount", issue_date=self.day, lines=lines)
        note = await in_step(
            books, lambda: finance.create_credit_note(books.ctx, books.db, invoice.id, data)
        )
        assert note.number == books.take("CN", self.day.year)
        assert (note.total, note.tax_total, note.invoice_id) == (total, tax, invoice.id)
        invoice.credited += total
        if not invoice.balance:
            invoice.status = "paid" if invoice.paid else "void"
        books.post(
            self.day,
            [
                (RECEIVABLES, ZERO, total),
                *((code, amount, ZERO) for code, amount in income.items()),
                (TAX_PAYABLE, tax, ZERO),
            ],
        )
        return True

    async def void(self, books: Books) -> bool:
        candidates = [i for i in books.open_invoices() if not i.paid and not i.credited]
        if not candidates:
            return False
        invoice = self.rng.choice(candidates)
        voided = await in_step(books, lambda: finance.void_invoice(books.ctx, books.db, invoice.id))
        assert (voided.status, voided.balance, voided.amount_credited) == (
            "void",
            ZERO,
            invoice.total,
        )
        books.take("CN", self.day.year)
        invoice.credited = invoice.total
        invoice.status = "void"
        books.post(self.day, mirror(invoice.sale()))
        return True

    def manual_lines(self) -> list[Line]:
        """An everyday entry: an expense paid or accrued, money put in or borrowed, a
        prepayment, depreciation, other income."""
        amount = self.money(100, 800_000)
        kind = self.rng.randrange(8)
        if kind == 0:  # an expense with its input tax, paid from the bank
            tax = cents(amount * self.rng.choice(TAX_RATES[1:]) / 100)  # above zero
            return [
                (self.rng.choice(EXPENSES), amount, ZERO),
                ("1300", tax, ZERO),
                (BANK, ZERO, amount + tax),
            ]
        pairs = {
            1: (self.rng.choice(EXPENSES), BANK),
            2: (self.rng.choice(EXPENSES), "2300"),
            3: (BANK, "3100"),
            4: (BANK, "2500"),
            5: ("1400", BANK),
            6: ("6800", "1590"),
            7: (BANK, "4900"),
        }
        debit, credit = pairs[kind]
        return [(debit, amount, ZERO), (credit, ZERO, amount)]

    def manual_entry_in(
        self, books: Books, on: date, lines: list[Line]
    ) -> ledger_schemas.ManualEntryIn:
        return ledger_schemas.ManualEntryIn(
            entry_date=on,
            memo="Scenario entry",
            lines=[
                ledger_schemas.JournalLineIn(
                    account_id=books.accounts[code], debit=debit, credit=credit
                )
                for code, debit, credit in lines
            ],
        )

    async def manual_entry(self, books: Books) -> bool:
        lines = self.manual_lines()
        data = self.manual_entry_in(books, self.day, lines)
        entry = await in_step(books, lambda: ledger.post_manual_entry(books.ctx, books.db, data))
        assert entry.number == books.post(self.day, lines)
        assert (entry.entry_date, entry.source_type, entry.line_count) == (
            self.day,
            "manual",
            len(lines),
        )
        books.manual_entries.append(ManualEntry(entry.id, lines))
        return True

    async def manual_reversal(self, books: Books) -> bool:
        candidates = [e for e in books.manual_entries if not e.reversed]
        if not candidates:
            return False
        entry = self.rng.choice(candidates)
        data = ledger_schemas.ReversalIn(entry_date=self.day)
        reversal = await in_step(
            books, lambda: ledger.reverse_journal_entry(books.ctx, books.db, entry.id, data)
        )
        assert reversal.number == books.post(self.day, mirror(entry.lines))
        assert reversal.reverses_entry_id == entry.id
        entry.reversed = True
        return True

    # Refusals: each is refused with its code and changes nothing.

    def refusals(self, books: Books) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
        ctx, db, day = books.ctx, books.db, self.day
        found: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        if open_invoices := books.open_invoices():
            invoice = self.rng.choice(open_invoices)
            over = finance_schemas.PaymentCreate(
                amount=invoice.balance + self.money(1, 5_000), paid_on=day
            )
            found.append(("overpayment", lambda: finance.record_payment(ctx, db, invoice.id, over)))
            too_much = finance_schemas.CreditNoteCreate(
                reason="Too much",
                issue_date=day,
                lines=[
                    finance_schemas.InvoiceLineIn(
                        description="More than owed",
                        quantity=1,
                        unit_price=invoice.balance + CENT,
                    )
                ],
            )
            found.append(
                (
                    "credit_exceeds_balance",
                    lambda: finance.create_credit_note(ctx, db, invoice.id, too_much),
                )
            )
            if books.lock_date is not None and invoice.issue_date <= books.lock_date:
                late = finance_schemas.PaymentCreate(amount=CENT, paid_on=books.lock_date)
                found.append(
                    ("period_locked", lambda: finance.record_payment(ctx, db, invoice.id, late))
                )
        if with_payments := [i for i in books.open_invoices() if i.paid]:
            part_paid = self.rng.choice(with_payments)
            found.append(
                ("invoice_has_payments", lambda: finance.void_invoice(ctx, db, part_paid.id))
            )
        if settled := [i for i in books.invoices if i.status in ("paid", "void")]:
            closed = self.rng.choice(settled)
            once_more = finance_schemas.PaymentCreate(amount=CENT, paid_on=day)
            found.append(
                (
                    "invoice_not_payable",
                    lambda: finance.record_payment(ctx, db, closed.id, once_more),
                )
            )
        if taken_back := [p for p in books.payments if p.reversed]:
            payment = self.rng.choice(taken_back)
            again = finance_schemas.PaymentReversal(reversed_on=day)
            found.append(
                (
                    "payment_already_reversed",
                    lambda: finance.reverse_payment(ctx, db, payment.invoice.id, payment.id, again),
                )
            )
        if reversed_entries := [e for e in books.manual_entries if e.reversed]:
            entry = self.rng.choice(reversed_entries)
            reversal = ledger_schemas.ReversalIn(entry_date=day)
            found.append(
                (
                    "entry_already_reversed",
                    lambda: ledger.reverse_journal_entry(ctx, db, entry.id, reversal),
                )
            )
        lines = self.manual_lines()
        unbalanced = [*lines[:-1], (lines[-1][0], lines[-1][1], lines[-1][2] + CENT)]
        skewed = self.manual_entry_in(books, day, unbalanced)
        found.append(("entry_unbalanced", lambda: ledger.post_manual_entry(ctx, db, skewed)))
        if books.lock_date is not None:
            closed_day = self.manual_entry_in(books, books.lock_date, lines)
            found.append(("period_locked", lambda: ledger.post_manual_entry(ctx, db, closed_day)))
        return found

    async def refusal(self, books: Books) -> bool:
        code, work = self.rng.choice(self.refusals(books))
        await refused(books, code, work)
        return True


async def check_step(books: Books, day: date) -> None:
    """The journal balances and holds the balances kept here; receivables equal the open
    invoices' balances and the aging of the day."""

    async def read() -> None:
        ws = books.workspace_id
        rows = await books.db.fetch(
            """SELECT a.code, sum(l.debit) AS debit, sum(l.credit) AS credit
                 FROM journal_lines l
                 JOIN accounts a ON a.workspace_id = l.workspace_id AND a.id = l.account_id
                WHERE l.workspace_id = $1
                GROUP BY a.code""",
            ws,
        )
        debit = sum((r["debit"] for r in rows), ZERO)
        credit = sum((r["credit"] for r in rows), ZERO)
        assert debit == credit == books.debit_total
        moved = {r["code"]: r["debit"] - r["credit"] for r in rows}
        assert {code: a for code, a in moved.items() if a} == books.nonzero_balances()
        invoices = await books.db.fetch(
            """SELECT status, count(*) AS n, sum(total - amount_paid - amount_credited) AS open
                 FROM invoices WHERE workspace_id = $1 GROUP BY status""",
            ws,
        )
        assert {r["status"]: r["n"] for r in invoices} == books.statuses()
        open_balance = sum((r["open"] for r in invoices), ZERO)
        assert open_balance == books.open_balance() == books.balances[RECEIVABLES]
        aging = await finance.receivables_aging(
            books.ctx, books.db, as_of=day, currency=books.currency
        )
        assert aging.totals.total == open_balance

    await in_step(books, read)


async def month_end_reports(books: Books, on: date) -> Snapshot:
    async def read() -> Snapshot:
        tb = await reports.trial_balance(books.ctx, books.db, as_of=on, currency=None)
        bs = await reports.balance_sheet(books.ctx, books.db, as_of=on, currency=None)
        aging = await finance.receivables_aging(books.ctx, books.db, as_of=on, currency=None)
        closing = {
            row.code: row.closing_debit - row.closing_credit
            for row in tb.rows
            if row.closing_debit != row.closing_credit
        }
        opening = {
            row.code: row.opening_debit - row.opening_credit
            for row in tb.rows
            if row.opening_debit != row.opening_credit
        }
        return Snapshot(
            trial_balance=tb.totals,
            opening=opening,
            closing=closing,
            earnings={
                line.name: line.amount
                for group in bs.equity.groups
                for line in group.lines
                if line.computed
            },
            assets=bs.assets.total,
            liabilities_and_equity=bs.liabilities_and_equity,
            aging=aging.totals,
        )

    return await in_step(books, read)


async def close_month(books: Books, on: date) -> None:
    """The month's reports agree with each other and with the books kept here; the month
    is locked afterwards."""
    if on.month == 12:
        # The next fiscal year opens with what every account holds now.
        books.year_openings[on.year + 1] = books.nonzero_balances()
    snapshot = await month_end_reports(books, on)
    totals = snapshot.trial_balance
    assert totals.opening_debit == totals.opening_credit
    assert totals.movement_debit == totals.movement_credit
    assert totals.closing_debit == totals.closing_credit
    assert snapshot.closing == books.nonzero_balances()
    opened = books.year_openings.get(on.year, {})
    assert snapshot.opening == opened
    # No closing entries: the balance sheet computes the earnings before the year and since.
    assert snapshot.earnings == {
        reports.RETAINED_EARNINGS: earnings(opened),
        reports.CURRENT_YEAR_EARNINGS: earnings(books.balances) - earnings(opened),
    }
    assets, liabilities, equity = books.section_totals()
    assert snapshot.assets == snapshot.liabilities_and_equity == liabilities + equity
    assert snapshot.assets == assets
    assert snapshot.aging.model_dump() == books.aging(on)
    assert snapshot.aging.total == books.open_balance() == snapshot.closing.get(RECEIVABLES, ZERO)
    books.month_ends[on] = snapshot
    if on < LAST_DAY:
        lock = ledger_schemas.LockDateUpdate(lock_date=on)
        await in_step(books, lambda: ledger.set_lock_date(books.ctx, books.db, lock))
        books.lock_date = on


async def check_numbers(books: Books) -> None:
    """Entries, invoices and credit notes are numbered 1..n per year without a gap, in the
    year of their date, as many as the scenario made."""

    async def read() -> dict[str, list[tuple[str, date]]]:
        ws = books.workspace_id
        queries = {
            "JE": "SELECT number, entry_date AS day FROM journal_entries WHERE workspace_id = $1",
            "INV": """SELECT number, issue_date AS day FROM invoices
                       WHERE workspace_id = $1 AND number IS NOT NULL""",
            "CN": "SELECT number, issue_date AS day FROM credit_notes WHERE workspace_id = $1",
        }
        return {
            kind: [(r["number"], r["day"]) for r in await books.db.fetch(query, ws)]
            for kind, query in queries.items()
        }

    found = await in_step(books, read)
    counted: Counter[str] = Counter()
    for kind, numbers in found.items():
        by_year: dict[int, list[int]] = defaultdict(list)
        for number, day in numbers:
            prefix, year, n = number.split("-")
            assert (prefix, int(year)) == (kind, day.year), number
            by_year[day.year].append(int(n))
        for taken_in, ns in by_year.items():
            assert sorted(ns) == list(range(1, len(ns) + 1)), f"{kind}-{taken_in} has gaps"
            counted[f"{kind}-{taken_in}"] = len(ns)
    assert counted == books.numbers


async def check_apart(books: Books, other: Books) -> None:
    """The workspace's lines name only its own accounts and customers."""

    async def read() -> tuple[set[uuid.UUID], set[uuid.UUID]]:
        rows = await books.db.fetch(
            """SELECT DISTINCT account_id, customer_id FROM journal_lines
                WHERE workspace_id = $1""",
            books.workspace_id,
        )
        return {r["account_id"] for r in rows}, {r["customer_id"] for r in rows} - {None}

    accounts, customers = await in_step(books, read)
    assert accounts <= set(books.accounts.values())
    assert not accounts & set(other.accounts.values())
    assert customers <= {c.id for c in books.customers}
    assert not customers & {c.id for c in other.customers}


def scenario_days(rng: random.Random) -> Iterator[date]:
    span = (LAST_DAY - FIRST_DAY).days
    offsets = sorted(rng.randint(0, span) for _ in range(STEPS))
    return (FIRST_DAY + timedelta(days=offset) for offset in offsets)


async def open_books(
    database: Settings, ws: dict[str, Any], user_id: uuid.UUID, name: str
) -> Books:
    db = await connect(database.runtime_url())
    # Thousands of commits: none waits for the disk (a crash loses only the test database).
    await db.execute("SET synchronous_commit = off")
    ctx = WorkspaceContext(
        workspace_id=ws["id"],
        workspace_slug=ws["slug"],
        workspace_name=ws["name"],
        user_id=user_id,
        role="owner",
        permissions=permissions_of("owner"),
        request_id=f"scenario-{name}",
    )

    books = Books(name=name, ctx=ctx, db=db, accounts={}, currency=ws["base_currency"])

    async def read() -> dict[str, uuid.UUID]:
        rows = await db.fetch("SELECT code, id FROM accounts WHERE workspace_id = $1", ws["id"])
        return {r["code"]: r["id"] for r in rows}

    books.accounts = await in_step(books, read)
    return books


async def test_six_months_of_two_workspaces_books(
    factory: Factory, database: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(SEED)
    today = [FIRST_DAY]
    monkeypatch.setattr(finance, "business_day", lambda: today[0])
    owner = factory.user()
    scenario = Scenario(rng, today)
    both: list[Books] = []
    try:
        for name in ("North", "South"):
            both.append(await open_books(database, factory.workspace(owner), owner.id, name))
        month = FIRST_DAY
        for day in scenario_days(rng):
            while month_end(month) < day:  # the walk crosses into a new month
                for books in both:
                    await close_month(books, month_end(month))
                month = month_end(month) + timedelta(days=1)
            today[0] = day
            books = rng.choice(both)
            await scenario.step(books)
            await check_step(books, day)
        for books in both:
            await close_month(books, LAST_DAY)

        for books, other in (both, both[::-1]):
            await check_numbers(books)
            await check_apart(books, other)
            for on, snapshot in books.month_ends.items():
                assert await month_end_reports(books, on) == snapshot, on
            (chain,) = await ledger.verify_books(database.owner_url(), books.ctx.workspace_slug)
            assert chain.first_break is None
            assert chain.entries == sum(
                n for key, n in books.numbers.items() if key.startswith("JE-")
            )
        steps = sum((b.steps for b in both), Counter())
        assert steps.total() == STEPS
        assert all(steps[kind] > 0 for kind in WEIGHTS)
        assert len(set().union(*(b.refusals for b in both))) >= 6
    finally:
        for books in both:
            await books.db.close()
