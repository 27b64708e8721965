"""The books: opening them, posting to them, reversing what was posted.

Other modules post through `post` (an invoice's issue, a payment, a credit note), inside
their own request transaction: a refused posting rolls the document back, and a failed
document takes its posting with it. Each posting takes the next number of the
workspace's journal for its year (`JE-<year>-<n:04d>`), gapless like the invoices'.
The database holds the rules (migration 0011); `atlas.ledger.errors` turns its refusals
into API errors.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import asyncpg

from atlas.ledger.chart import DEFAULT_CHART
from atlas.ledger.errors import books_errors
from atlas.ledger.repository import BooksRepository, JournalRepository

# Re-exported: the modules that post may import this service only.
from atlas.ledger.tables import AccountType as AccountType
from atlas.ledger.tables import SourceType as SourceType
from atlas.ledger.tables import SystemRole as SystemRole
from atlas.numbering.repository import NumberSequences

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class PostingLine:
    account_id: uuid.UUID
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    description: str = ""
    customer_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    employee_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Posting:
    """What a document posts: the event of its source, dated, in one currency."""

    entry_date: date
    currency: str
    memo: str
    source_type: SourceType
    source_id: uuid.UUID | None
    source_event: str
    lines: Sequence[PostingLine] = field(default_factory=tuple)
    reverses_entry_id: uuid.UUID | None = None


async def open_books(db: asyncpg.Connection, workspace_id: uuid.UUID) -> bool:
    """The workspace's books and its starting chart of accounts (`atlas.ledger.chart`);
    False if it has them already. Runs inside the workspace's tenant context."""
    return await BooksRepository(db, workspace_id).open(DEFAULT_CHART)


async def system_accounts(
    db: asyncpg.Connection, workspace_id: uuid.UUID, roles: Sequence[SystemRole]
) -> dict[SystemRole, uuid.UUID]:
    """The accounts holding `roles`; a role no account holds is missing from the answer."""
    found = await BooksRepository(db, workspace_id).accounts_with_roles(roles)
    return {SystemRole(role): account for role, account in found.items()}


async def accounts_by_code(
    db: asyncpg.Connection, workspace_id: uuid.UUID, codes: Sequence[str]
) -> dict[str, uuid.UUID]:
    """The accounts of `codes` (a code no account has is missing from the answer)."""
    return await BooksRepository(db, workspace_id).accounts_with_codes(codes)


async def postable_accounts(
    db: asyncpg.Connection,
    workspace_id: uuid.UUID,
    account_ids: Sequence[uuid.UUID],
    account_type: AccountType,
) -> set[uuid.UUID]:
    """Those of `account_ids` that take postings of `account_type`: active, non-group
    accounts of that type in the workspace's chart (a document checks the account it names)."""
    return await BooksRepository(db, workspace_id).postable(account_ids, account_type.value)


def _netted(lines: Sequence[PostingLine]) -> list[PostingLine]:
    """The lines without those of no amount (a tax of 0.00): the books refuse them."""
    return [line for line in lines if line.debit > 0 or line.credit > 0]


async def post(db: asyncpg.Connection, workspace_id: uuid.UUID, posting: Posting) -> asyncpg.Record:
    """Posts `posting` as the next entry of its year; the database checks and seals it."""
    year = posting.entry_date.year
    n = await NumberSequences(db, workspace_id).next(f"journal-{year}")
    lines = [
        {
            "position": position,
            "account_id": line.account_id,
            "debit": line.debit,
            "credit": line.credit,
            "description": line.description,
            "customer_id": line.customer_id,
            "project_id": line.project_id,
            "employee_id": line.employee_id,
        }
        for position, line in enumerate(_netted(posting.lines), start=1)
    ]
    with books_errors():
        return await JournalRepository(db, workspace_id).post(
            {
                "number": f"JE-{year}-{n:04d}",
                "entry_date": posting.entry_date,
                "currency": posting.currency,
                "memo": posting.memo,
                "source_type": posting.source_type.value,
                "source_id": posting.source_id,
                "source_event": posting.source_event,
                "reverses_entry_id": posting.reverses_entry_id,
            },
            lines,
        )


async def reverse(
    db: asyncpg.Connection,
    workspace_id: uuid.UUID,
    entry: asyncpg.Record,
    on: date,
    memo: str | None = None,
) -> asyncpg.Record:
    """Posts the mirror of `entry` (every debit a credit and back), dated `on`."""
    journal = JournalRepository(db, workspace_id)
    lines = [
        PostingLine(
            account_id=line["account_id"],
            debit=line["credit"],
            credit=line["debit"],
            description=line["description"],
            customer_id=line["customer_id"],
            project_id=line["project_id"],
            employee_id=line["employee_id"],
        )
        for line in await journal.lines([entry["id"]])
    ]
    return await post(
        db,
        workspace_id,
        Posting(
            entry_date=on,
            currency=entry["currency"],
            memo=memo or f"Reversal of {entry['number']}",
            source_type=SourceType.REVERSAL,
            source_id=entry["id"],
            source_event="reversed",
            lines=lines,
            reverses_entry_id=entry["id"],
        ),
    )


async def posted_entry(
    db: asyncpg.Connection,
    workspace_id: uuid.UUID,
    source_type: SourceType,
    source_id: uuid.UUID,
    source_event: str,
) -> asyncpg.Record | None:
    """The entry a document's event posted, if it did."""
    return await JournalRepository(db, workspace_id).by_source(
        source_type.value, source_id, source_event
    )
