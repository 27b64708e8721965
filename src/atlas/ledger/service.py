"""The books: opening them, posting to them, reversing what was posted; the chart of
accounts and the lock date.

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
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from atlas.errors import Conflict, Invalid, NotFound
from atlas.ledger import schemas
from atlas.ledger.chart import DEFAULT_CHART
from atlas.ledger.errors import books_errors
from atlas.ledger.repository import AccountsRepository, BooksRepository, JournalRepository
from atlas.ledger.tables import ACCOUNT_TYPES, SourceType, SystemRole
from atlas.numbering.repository import NumberSequences
from atlas.pagination import Page, PageRequest, page_of
from atlas.tenancy.context import WorkspaceContext
from atlas.validation import ConstraintErrors, choices, constraint_errors, invalid, search_text

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


# Accounts and the lock date

# A workspace's accounts, at most: the tree is answered whole.
MAX_ACCOUNTS = 2_000


def today() -> date:
    """The business day, in UTC, as finance's documents date it."""
    return datetime.now(UTC).date()


def _conflict(message: str, code: str, field: str, detail: str) -> Conflict:
    return Conflict(message, code=code, details=[{"field": field, "message": detail}])


ACCOUNT_ERRORS: ConstraintErrors = {
    "uq_accounts_workspace_id_code": lambda: _conflict(
        "Another account in this workspace already uses this code.",
        "account_code_taken",
        "code",
        "already taken in this workspace",
    ),
}


def _account_in_use() -> Conflict:
    return Conflict(
        "A customer, an invoice, a credit note or a draft entry names this account;"
        " deactivate it instead.",
        code="account_in_use",
    )


# What refuses an account's deletion: the foreign keys that name it.
DELETE_ERRORS: ConstraintErrors = {
    "fk_accounts_workspace_id_parent_id_accounts": lambda: Conflict(
        "The account has accounts under it; move or delete them first.",
        code="account_has_children",
    ),
    "fk_journal_lines_workspace_id_account_id_accounts": lambda: Conflict(
        "The account has postings; deactivate it instead.", code="account_has_postings"
    ),
    "fk_customers_workspace_id_income_account_id_accounts": _account_in_use,
    "fk_invoice_lines_workspace_id_income_account_id_accounts": _account_in_use,
    "fk_credit_note_lines_workspace_id_income_account_id_accounts": _account_in_use,
    "fk_journal_draft_lines_workspace_id_account_id_accounts": _account_in_use,
}


def _account(row: asyncpg.Record) -> schemas.Account:
    return schemas.Account.model_validate(dict(row))


def _invalid_parent(field: str, detail: str) -> Invalid:
    return invalid(f"That parent does not fit: {detail}.", field, detail, code="invalid_parent")


async def _check_parent(
    repo: AccountsRepository, parent_id: uuid.UUID, account_type: str, field: str
) -> None:
    """Refuses a parent that is not a group account of `account_type` in the workspace.
    The database's trigger holds the same rule (AL011); the parent's row stays locked, so
    it stays a group of that type until the commit."""
    parent = await repo.get(parent_id, lock="share")
    if parent is None:
        raise _invalid_parent(field, "not an account of this workspace")
    if not parent["is_group"]:
        raise _invalid_parent(field, f"account {parent['code']} is not a group account")
    if parent["type"] != account_type:
        raise _invalid_parent(
            field, f"account {parent['code']} is of type {parent['type']}, not {account_type}"
        )


async def list_accounts(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.AccountFilters,
    page: PageRequest,
) -> Page[schemas.Account]:
    rows, total = await AccountsRepository(db, ctx.workspace_id).list(
        types=choices(filters.types, ACCOUNT_TYPES, "type"),
        active=filters.active,
        is_group=filters.is_group,
        parent_id=filters.parent_id,
        q=search_text(filters.q),
        sort=filters.sort,
        page=page,
    )
    return page_of(schemas.Account, [dict(r) for r in rows], total, page)


async def account_tree(ctx: WorkspaceContext, db: asyncpg.Connection) -> list[schemas.AccountNode]:
    """Every account under its parent, the top-level ones first, each level in code order."""
    rows = await AccountsRepository(db, ctx.workspace_id).all()
    nodes: dict[uuid.UUID, dict[str, Any]] = {r["id"]: {**dict(r), "children": []} for r in rows}
    roots: list[dict[str, Any]] = []
    for row in rows:  # in code order, so each list of children is too
        parent = nodes[row["parent_id"]]["children"] if row["parent_id"] else roots
        parent.append(nodes[row["id"]])
    return [schemas.AccountNode.model_validate(root) for root in roots]


async def get_account(
    ctx: WorkspaceContext, db: asyncpg.Connection, account_id: uuid.UUID
) -> schemas.Account:
    row = await AccountsRepository(db, ctx.workspace_id).get(account_id)
    if row is None:
        raise NotFound("Account not found.")
    return _account(row)


async def create_account(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.AccountCreate
) -> schemas.Account:
    """A new account, at most MAX_ACCOUNTS in the workspace; a parent must be a group of
    the same type."""
    repo = AccountsRepository(db, ctx.workspace_id)
    if data.parent_id is not None:
        await _check_parent(repo, data.parent_id, data.type, "parent_id")
    if await repo.count_for_new() >= MAX_ACCOUNTS:
        raise Conflict(
            f"A workspace holds at most {MAX_ACCOUNTS} accounts; deactivate or delete one first.",
            code="too_many_accounts",
        )
    with books_errors(), constraint_errors(ACCOUNT_ERRORS):
        row = await repo.create(**data.model_dump())
    return _account(row)


async def update_account(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    account_id: uuid.UUID,
    data: schemas.AccountUpdate,
) -> schemas.Account:
    """Changes the fields sent. The database refuses what postings, children or a system
    role forbid (`atlas.ledger.errors`: AL011-AL014)."""
    repo = AccountsRepository(db, ctx.workspace_id)
    changes = data.model_dump(exclude_unset=True)
    moved_under = changes.get("parent_id")
    # First, before any row lock: the walk waits for the other moves of the workspace.
    if moved_under is not None and await repo.is_ancestor_or_self(account_id, moved_under):
        raise _invalid_parent("parent_id", "would create a cycle of accounts")
    current = await repo.get(account_id, lock="update")
    if current is None:
        raise NotFound("Account not found.")
    if not changes:
        return _account(current)
    parent_id = changes.get("parent_id", current["parent_id"])
    if parent_id is not None and ("parent_id" in changes or "type" in changes):
        await _check_parent(
            repo,
            parent_id,
            changes.get("type", current["type"]),
            "parent_id" if "parent_id" in changes else "type",
        )
    with books_errors(), constraint_errors(ACCOUNT_ERRORS):
        row = await repo.update(account_id, changes)
    assert row is not None  # its row is locked
    return _account(row)


async def delete_account(
    ctx: WorkspaceContext, db: asyncpg.Connection, account_id: uuid.UUID
) -> None:
    """Deletes an account nothing names: not a system account, none under it, no
    postings, no customer, invoice, credit note or draft entry naming it."""
    repo = AccountsRepository(db, ctx.workspace_id)
    row = await repo.get(account_id)
    if row is None:
        raise NotFound("Account not found.")
    # The API never sets a system role: no lock needed to trust this one.
    if row["system_role"] is not None:
        raise Conflict(
            f"The account holds the {row['system_role']} role that postings find it by;"
            " it cannot be deleted.",
            code="system_account",
        )
    with constraint_errors(DELETE_ERRORS):
        await repo.delete(account_id)


def _no_books() -> Conflict:
    return Conflict("The workspace has no books.", code="no_books")


async def get_books(ctx: WorkspaceContext, db: asyncpg.Connection) -> schemas.Books:
    row = await BooksRepository(db, ctx.workspace_id).settings()
    if row is None:
        raise _no_books()
    return schemas.Books.model_validate(dict(row))


async def set_lock_date(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.LockDateUpdate
) -> schemas.Books:
    """Moves the lock date forward, to a day before today: nothing posts on or before it
    afterwards. The UPDATE waits for the postings in flight (each entry's insert holds the
    books' row lock until its commit), so none lands on a day this move locks; a move
    committed meanwhile is seen by the database's trigger, which refuses a step back
    (AL010)."""
    on = today()
    if data.lock_date >= on:
        raise invalid(
            "The lock date must be in the past.",
            "lock_date",
            f"must be before {on}",
            code="lock_date_in_future",
        )
    repo = BooksRepository(db, ctx.workspace_id)
    current = await repo.get()
    if current is None:
        raise _no_books()
    if current["lock_date"] is not None and data.lock_date <= current["lock_date"]:
        raise _conflict(
            f"The lock date only moves forward: it is {current['lock_date']}.",
            "lock_date_backwards",
            "lock_date",
            f"must be after {current['lock_date']}",
        )
    with books_errors():
        await repo.set_lock_date(data.lock_date)
    return await get_books(ctx, db)
