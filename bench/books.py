"""The books: posting throughput, and the reports over many journal lines.

- **Posting**: 32 clients issue draft invoices (each a distinct draft), on the shipped
  server and on one whose invoice issue skips its posting (`ATLAS_BENCH_WITHOUT_POSTING`,
  see `bench.app`); the ratio of the two rates is the cost of posting in the same
  transaction. Invoice and entry numbers are checked gapless afterwards.
- **Reports**: the trial balance and the balance sheet of one workspace holding
  `large_lines` journal lines, of a small one beside it, and of a workspace of the small
  shape among `tenants` workspaces that share `tenants * tenant_lines` lines. Each is one
  request sent sequentially, as in `bench.large`.

The journal is written by binary COPY as a superuser with triggers off (`replica`): the
rows are generated consistent (balanced entries, their counts and totals, the day totals
added from the lines as migration 0012 adds them), but their hashes are placeholders; the
bench's databases are dropped afterwards.
"""

from __future__ import annotations

import asyncio
import importlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from atlas.db.ids import uuid7
from atlas.ledger.chart import DEFAULT_CHART
from bench import large
from bench.dataset import Tenant, _copy, _Rows, _tenant

DAY_TOTALS = importlib.import_module("atlas.migrations.versions.0012_journal_day_totals")


@dataclass(frozen=True)
class BooksPlan:
    large_lines: int
    small_lines: int
    tenants: int
    tenant_lines: int
    drafts_per_run: int  # draft invoices a posting run may issue (more than it will)
    posting_clients: int
    posting_seconds: float
    posting_rounds: int
    requests: int
    warmup: int
    max_seconds: float


FULL_BOOKS = BooksPlan(1_000_000, 1_000, 10_000, 1_000, 12_000, 32, 8.0, 3, 50, 5, 20.0)
QUICK_BOOKS = BooksPlan(20_000, 500, 50, 500, 3_000, 8, 1.0, 1, 5, 1, 5.0)

# Entries cycle through these shapes: a sale (receivable, income, tax), a payment, an
# expense paid from the bank: 2.5 lines per entry.
SALE, PAYMENT, EXPENSE = "sale", "payment", "expense"
CYCLE = (SALE, PAYMENT, EXPENSE, SALE)
LINES = {SALE: 3, PAYMENT: 2, EXPENSE: 2}
EXPENSES = ("6100", "6200", "6300", "6400", "6500", "6600")
CENT = Decimal("0.01")
PLACEHOLDER_HASH = bytes(32)
ENTRY_COLUMNS = [
    "workspace_id",
    "id",
    "number",
    "entry_date",
    "currency",
    "memo",
    "source_type",
    "source_event",
    "line_count",
    "total",
    "chain_seq",
    "hash",
    "created_at",
]
LINE_COLUMNS = [
    "workspace_id",
    "id",
    "entry_id",
    "position",
    "entry_date",
    "currency",
    "account_id",
    "debit",
    "credit",
]


@dataclass(frozen=True)
class Books:
    """One workspace's books to generate: its accounts by code and its number of lines."""

    workspace_id: uuid.UUID
    index: int
    lines: int
    accounts: dict[str, uuid.UUID]


def _books(tenant: Tenant, index: int, lines: int) -> Books:
    return Books(tenant.workspace_id, index, lines, {a.code: uuid7() for a in DEFAULT_CHART})


def _entries_of(books: Books) -> int:
    return books.lines * len(CYCLE) // sum(LINES[kind] for kind in CYCLE)


def _entry_id(books: Books, i: int) -> uuid.UUID:
    return uuid.UUID(int=(books.index << 64) | i)


def _amount(books: Books, i: int) -> Decimal:
    return (Decimal(1_000 + (i * 7_919 + books.index * 104_729) % 99_000) * CENT).quantize(CENT)


def _day(books: Books, i: int, today: date) -> date:
    """Spread over the two years up to today, in order."""
    return today - timedelta(days=730) + timedelta(days=i * 730 // max(_entries_of(books), 1))


def _entry_lines(books: Books, i: int) -> list[tuple[str, Decimal, Decimal]]:
    kind, amount = CYCLE[i % len(CYCLE)], _amount(books, i)
    zero = Decimal("0.00")
    if kind == SALE:
        tax = (amount * Decimal("0.19")).quantize(CENT)
        return [("1200", amount + tax, zero), ("4100", zero, amount), ("2200", zero, tax)]
    if kind == PAYMENT:
        return [("1110", amount, zero), ("1200", zero, amount)]
    return [(EXPENSES[i % len(EXPENSES)], amount, zero), ("1110", zero, amount)]


def _rows(books: list[Books], today: date) -> dict[str, Iterator[tuple[object, ...]]]:
    """Each table's rows, generated as COPY reads them (millions of lines stay unbuilt)."""
    created = datetime.now(UTC)

    def ledgers() -> Iterator[tuple[object, ...]]:
        for b in books:
            yield (b.workspace_id, uuid7())

    def accounts() -> Iterator[tuple[object, ...]]:
        for b in books:
            for a in DEFAULT_CHART:
                parent = b.accounts[a.parent] if a.parent else None
                yield (
                    b.workspace_id,
                    b.accounts[a.code],
                    a.code,
                    a.name,
                    a.type,
                    parent,
                    a.is_group,
                    a.system_role,
                )

    def entries() -> Iterator[tuple[object, ...]]:
        for b in books:
            for i in range(_entries_of(b)):
                lines = _entry_lines(b, i)
                yield (
                    b.workspace_id,
                    _entry_id(b, i),
                    f"JE-B-{i + 1:08d}",
                    _day(b, i, today),
                    "USD",
                    "",
                    "manual",
                    "posted",
                    len(lines),
                    sum(d for _, d, _ in lines),
                    i + 1,
                    PLACEHOLDER_HASH,
                    created,
                )

    def lines() -> Iterator[tuple[object, ...]]:
        for b in books:
            for i in range(_entries_of(b)):
                entry_id, day = _entry_id(b, i), _day(b, i, today)
                for position, (code, debit, credit) in enumerate(_entry_lines(b, i), start=1):
                    yield (
                        b.workspace_id,
                        uuid7(),
                        entry_id,
                        position,
                        day,
                        "USD",
                        b.accounts[code],
                        debit,
                        credit,
                    )

    return {
        "ledgers": ledgers(),
        "accounts": accounts(),
        "journal_entries": entries(),
        "journal_lines": lines(),
    }


ACCOUNT_COLUMNS = [
    "workspace_id",
    "id",
    "code",
    "name",
    "type",
    "parent_id",
    "is_group",
    "system_role",
]
COLUMNS = {
    "ledgers": ["workspace_id", "id"],
    "accounts": ACCOUNT_COLUMNS,
    "journal_entries": ENTRY_COLUMNS,
    "journal_lines": LINE_COLUMNS,
}


async def _load(superuser_db_url: str, tenants: _Rows, books: list[Books]) -> None:
    conn = await asyncpg.connect(superuser_db_url)
    try:
        async with conn.transaction():
            await _copy(conn, tenants)  # sets replica mode for the transaction
            for table, records in _rows(books, date.today()).items():
                await conn.copy_records_to_table(table, records=records, columns=COLUMNS[table])
            # What the posting trigger keeps, from the copied lines (triggers are off).
            await conn.execute(DAY_TOTALS.ADD_ALL)
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


@dataclass(frozen=True)
class Measured:
    label: str
    tenant: Tenant
    lines: int


def generate_one_large(superuser_db_url: str, plan: BooksPlan) -> tuple[list[Measured], float]:
    """A large workspace and a small one beside it (both measured)."""
    started = time.monotonic()
    rows = _Rows()
    small, big = (_tenant(rows, i, [], with_token=True) for i in range(2))
    books = [_books(small, 0, plan.small_lines), _books(big, 1, plan.large_lines)]
    asyncio.run(_load(superuser_db_url, rows, books))
    measured = [
        Measured("small", small, plan.small_lines),
        Measured("large", big, plan.large_lines),
    ]
    return measured, time.monotonic() - started


def generate_many(superuser_db_url: str, plan: BooksPlan) -> tuple[list[Measured], float]:
    """`tenants` workspaces of `tenant_lines` lines each; the first one is measured."""
    started = time.monotonic()
    rows = _Rows()
    tenants = [_tenant(rows, i, [], with_token=i == 0) for i in range(plan.tenants)]
    books = [_books(t, i, plan.tenant_lines) for i, t in enumerate(tenants)]
    asyncio.run(_load(superuser_db_url, rows, books))
    return [Measured("among many", tenants[0], plan.tenant_lines)], time.monotonic() - started


REPORTS = {
    "trial balance": "/api/v1/reports/trial-balance",
    "balance sheet": "/api/v1/reports/balance-sheet",
}


def time_reports(base: str, measured: list[Measured], plan: BooksPlan) -> list[dict[str, Any]]:
    """Each report of each measured workspace, one request at a time (as `bench.large`)."""
    timing = large.LargePlan(
        large.QUICK_LARGE.large,
        large.QUICK_LARGE.small,
        0,
        large.QUICK_LARGE.background,
        requests=plan.requests,
        warmup=plan.warmup,
        max_seconds=plan.max_seconds,
    )
    results = []
    with large.measuring_client(base) as client:
        for m in measured:
            assert m.tenant.token is not None
            ws = large.Workspace(
                m.label,
                large.QUICK_LARGE.small,
                m.tenant.workspace_id,
                m.tenant.slug,
                m.tenant.token,
            )
            for report, path in REPORTS.items():
                case = large.Case("API", report, f"{path}?as_of={date.today().isoformat()}")
                results.append(
                    {
                        "workspace": m.label,
                        "lines": m.lines,
                        "report": report,
                        **large.time_case(client, ws, case, timing),
                    }
                )
    return results


# --- posting ------------------------------------------------------------------------------

INVOICE_COLUMNS = [
    "workspace_id",
    "id",
    "customer_id",
    "status",
    "currency",
    "subtotal",
    "tax_total",
    "total",
]
INVOICE_LINE_COLUMNS = [
    "workspace_id",
    "id",
    "invoice_id",
    "position",
    "description",
    "quantity",
    "unit_price",
    "tax_rate",
    "subtotal",
    "tax",
    "total",
]


async def _load_drafts(
    superuser_db_url: str, tenants: _Rows, books: Books, customer: uuid.UUID, drafts: int
) -> list[uuid.UUID]:
    ids = [uuid7() for _ in range(drafts)]
    price, tax = Decimal("100.00"), Decimal("19.00")
    conn = await asyncpg.connect(superuser_db_url)
    try:
        async with conn.transaction():
            await _copy(conn, tenants)  # sets replica mode for the transaction
            for table, records in _rows([books], date.today()).items():
                await conn.copy_records_to_table(table, records=records, columns=COLUMNS[table])
            await conn.copy_records_to_table(
                "customers",
                records=[(books.workspace_id, customer, "Bench customer", "USD")],
                columns=["workspace_id", "id", "name", "currency"],
            )
            await conn.copy_records_to_table(
                "invoices",
                records=[
                    (
                        books.workspace_id,
                        i,
                        customer,
                        "draft",
                        "USD",
                        2 * price,
                        2 * tax,
                        2 * (price + tax),
                    )
                    for i in ids
                ],
                columns=INVOICE_COLUMNS,
            )
            await conn.copy_records_to_table(
                "invoice_lines",
                records=[
                    (
                        books.workspace_id,
                        uuid7(),
                        i,
                        position,
                        f"Line {position}",
                        Decimal(1),
                        price,
                        Decimal(19),
                        price,
                        tax,
                        price + tax,
                    )
                    for i in ids
                    for position in (1, 2)
                ],
                columns=INVOICE_LINE_COLUMNS,
            )
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()
    return ids


def generate_drafts(superuser_db_url: str, drafts: int) -> tuple[Tenant, list[uuid.UUID]]:
    """One workspace with its books, a customer and `drafts` draft invoices of two lines."""
    rows = _Rows()
    tenant = _tenant(rows, 0, [], with_token=True)
    books = _books(tenant, 0, 0)
    ids = asyncio.run(_load_drafts(superuser_db_url, rows, books, uuid7(), drafts))
    return tenant, ids


NUMBERS = """
SELECT count(*) AS n, count(DISTINCT number) AS distinct_numbers,
       coalesce(max(split_part(number, '-', 3)::int), 0) AS highest
  FROM {table} WHERE {where}
"""


async def _gapless(superuser_db_url: str) -> dict[str, bool]:
    """Invoice numbers and the invoices' entry numbers are exactly 1..n (and there are some)."""
    conn = await asyncpg.connect(superuser_db_url)
    try:
        checks = {}
        for name, table, where in (
            ("invoices", "invoices", "number IS NOT NULL"),
            ("entries", "journal_entries", "source_type = 'invoice'"),
        ):
            row = await conn.fetchrow(NUMBERS.format(table=table, where=where))
            assert row is not None
            checks[name] = 0 < row["n"] == row["distinct_numbers"] == row["highest"]
        return checks
    finally:
        await conn.close()


def gapless(superuser_db_url: str) -> dict[str, bool]:
    return asyncio.run(_gapless(superuser_db_url))


# --- the report ---------------------------------------------------------------------------

HEADING = "## 7. The books"
POSTING_RATIO, REPORT_P50_MS, FLAT_RATIO = 0.8, 200.0, 1.2


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report_section(plan: BooksPlan, results: dict[str, Any]) -> list[str]:
    posting, reports = results["posting"], results["reports"]
    with_entry, without = posting["variants"]["with its entry"], posting["variants"]["without"]
    ratio = with_entry["rps"] / without["rps"]
    rows = {(r["workspace"], r["report"]): r for r in reports["rows"]}
    generation = reports["generation_s"]
    lines = [
        HEADING,
        "",
        "### Posting: an invoice issue with its journal entry",
        "",
        f"{plan.posting_clients} clients issue draft invoices of two lines, each a distinct"
        f" draft, for {plan.posting_seconds:g} s, {plan.posting_rounds} rounds, the two variants"
        " interleaved: the shipped server, and the same server with the posting left out"
        " (`ATLAS_BENCH_WITHOUT_POSTING`, bench only). The entry's lines, its checks by the"
        " database and the books' row lock are the difference.",
        "",
        "| variant | issues/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|",
    ]
    for name, v in posting["variants"].items():
        lines.append(
            f"| {name} | {v['rps']:,.0f} | {v['p50_ms']:.1f} | {v['p99_ms']:.1f} |"
            f" {v['errors']:.0f} |"
        )
    gapless = posting["gapless"]
    lines += [
        "",
        f"Ratio with ÷ without: **{ratio:.2f}×** (target ≥ {POSTING_RATIO:g}×:"
        f" {_verdict(ratio >= POSTING_RATIO)}). Invoice numbers gapless:"
        f" {'yes' if gapless['invoices'] else '**no**'}; their entries' numbers gapless:"
        f" {'yes' if gapless['entries'] else '**no**'}.",
        "",
        "### Reports over many journal lines",
        "",
        f"A **large** workspace of {plan.large_lines:,} journal lines beside a **small** one of"
        f" {plan.small_lines:,} (generated in {generation['one large']:.0f} s), and, in a"
        f" second database, {plan.tenants:,} workspaces of {plan.tenant_lines:,} lines each"
        f" ({plan.tenants * plan.tenant_lines:,} lines, generated in"
        f" {generation['many']:.0f} s), one of them measured (**among many**). Two years of"
        " entries (sales, payments, expenses; 2.5 lines each), the report as of today, one"
        f" request at a time, {plan.requests} times after {plan.warmup} warm-up requests.",
        "",
        "| report | workspace | lines | p50 ms | p99 ms | n | target | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for report in REPORTS:
        big, small, many = (rows[(w, report)] for w in ("large", "small", "among many"))
        flat = many["p50_ms"] / small["p50_ms"]
        for row, target, ok in (
            (big, f"p50 < {REPORT_P50_MS:g} ms", big["p50_ms"] < REPORT_P50_MS),
            (small, "", True),
            (many, f"≤ {FLAT_RATIO:g}× small ({flat:.2f}×)", flat <= FLAT_RATIO),
        ):
            ok = ok and not (row["errors"] or small["errors"])
            errors = f" ({row['errors']} errors)" if row["errors"] else ""
            lines.append(
                f"| {report} | {row['workspace']} | {row['lines']:,} | {row['p50_ms']:.1f} |"
                f" {row['p99_ms']:.1f} | {row['requests']} | {target} |"
                f" {_verdict(ok) if target else ''}{errors} |"
            )
    lines.append("")
    return lines
