"""The books: opening them, posting to them, reversing what was posted; the chart of
accounts and the lock date.

Other modules post through `post` (an invoice's issue, a payment, a credit note), inside
their own request transaction: a refused posting rolls the document back, and a failed
document takes its posting with it. Each posting takes the next number of the
workspace's journal for its year (`JE-<year>-<n:04d>`), gapless like the invoices'.
The database holds the rules (migration 0011); `atlas.ledger.errors` turns its refusals
into API errors.

Manual entries are posted at once or kept as drafts; they are checked here first, line by
line with field paths, so a refusal names its line. A manual entry is corrected by its
reversal, a document's entry by the document. The operator's `verify_books` and
`reopen_books` (the `atlas-erp ledger` commands) are the only loops over workspaces.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from atlas.clock import business_day
from atlas.db.pool import connect
from atlas.db.rls import enter_workspace
from atlas.errors import AtlasError, Conflict, Invalid, NotFound
from atlas.ledger import schemas
from atlas.ledger.chart import DEFAULT_CHART
from atlas.ledger.errors import books_errors
from atlas.ledger.repository import (
    LINE_FIELDS,
    AccountsRepository,
    BooksRepository,
    ChainRepository,
    JournalDraftsRepository,
    JournalRepository,
    PostedEntriesRepository,
    PostingChecksRepository,
    act_as_operator,
    workspaces,
)
from atlas.ledger.tables import ACCOUNT_TYPES, SOURCE_TYPES

# Re-exported: the modules that post may import this service only.
from atlas.ledger.tables import AccountType as AccountType
from atlas.ledger.tables import SourceType as SourceType
from atlas.ledger.tables import SystemRole as SystemRole
from atlas.numbering.repository import NumberSequences
from atlas.pagination import Page, PageRequest, page_of
from atlas.tenancy.context import WorkspaceContext
from atlas.validation import (
    ConstraintErrors,
    choices,
    constraint_errors,
    excess_decimals,
    invalid,
    search_text,
)

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


# Accounts and the lock date

# A workspace's accounts, at most: the tree is answered whole.
MAX_ACCOUNTS = 2_000


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
def _account_has_postings() -> Conflict:
    return Conflict("The account has postings; deactivate it instead.", code="account_has_postings")


DELETE_ERRORS: ConstraintErrors = {
    "fk_accounts_workspace_id_parent_id_accounts": lambda: Conflict(
        "The account has accounts under it; move or delete them first.",
        code="account_has_children",
    ),
    "fk_journal_lines_workspace_id_account_id_accounts": _account_has_postings,
    # Whichever of the two keys is checked first (on Citus, the day totals' may be).
    "fk_journal_day_totals_workspace_id_account_id_accounts": _account_has_postings,
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
    on = business_day()
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


# Journal and manual entries

# Their documents correct these entries: a credit note, a payment's reversal.
DOCUMENT_SOURCES = frozenset({SourceType.INVOICE, SourceType.CREDIT_NOTE, SourceType.PAYMENT})
# A second reversal of an entry, posted concurrently, meets one of these keys.
REVERSAL_TAKEN: dict[str, Callable[[], AtlasError]] = {
    name: lambda: Conflict("The entry is reversed already.", code="entry_already_reversed")
    for name in ("uq_journal_entries_workspace_id_reverses_entry_id", "uq_journal_entries_source")
}


def _entry_values(row: asyncpg.Record) -> dict[str, Any]:
    """An entry's row as the API shows it: hashes as hex."""
    prev: bytes | None = row["prev_hash"]
    return {**dict(row), "prev_hash": prev.hex() if prev else None, "hash": row["hash"].hex()}


async def list_journal_entries(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.JournalEntryFilters,
    page: PageRequest,
) -> Page[schemas.JournalEntrySummary]:
    rows, total = await PostedEntriesRepository(db, ctx.workspace_id).list(
        date_from=filters.date_from,
        date_to=filters.date_to,
        source_types=choices(filters.source_types, SOURCE_TYPES, "source_type"),
        account_id=filters.account_id,
        q=search_text(filters.q),
        sort=filters.sort,
        page=page,
    )
    return page_of(schemas.JournalEntrySummary, [_entry_values(r) for r in rows], total, page)


async def get_journal_entry(
    ctx: WorkspaceContext, db: asyncpg.Connection, entry_id: uuid.UUID
) -> schemas.JournalEntry:
    repo = PostedEntriesRepository(db, ctx.workspace_id)
    row = await repo.get(entry_id)
    if row is None:
        raise NotFound("Journal entry not found.")
    lines = [dict(r) for r in await repo.lines(entry_id)]
    return schemas.JournalEntry.model_validate({**_entry_values(row), "lines": lines})


@dataclass(frozen=True, slots=True)
class _Problem:
    code: str
    field: str
    message: str


def _refuse(problems: Sequence[_Problem]) -> None:
    """Raises a 422 with the first problem's code and message and every problem's path."""
    if problems:
        first = problems[0]
        raise Invalid(
            f"{first.field}: {first.message}.",
            code=first.code,
            details=[{"field": p.field, "message": p.message, "code": p.code} for p in problems],
        )


def _one_sided_problems(lines: Sequence[PostingLine]) -> list[_Problem]:
    """Each line a debit or a credit, above zero (the lines' `one_sided` CHECK)."""
    problems = []
    for n, line in enumerate(lines):
        if line.debit < 0 or line.credit < 0:
            side = "debit" if line.debit < 0 else "credit"
            problems.append(_Problem("line_one_sided", f"lines.{n}.{side}", "must not be negative"))
        elif (line.debit > 0) == (line.credit > 0):
            side = "credit" if line.debit > 0 else "debit"
            what = "a debit or a credit, not both" if line.debit > 0 else "a debit or a credit"
            problems.append(_Problem("line_one_sided", f"lines.{n}.{side}", f"needs {what}"))
    return problems


def _decimals_problems(lines: Sequence[PostingLine], currency: str) -> list[_Problem]:
    """Each amount in the currency's minor unit (no decimals in JPY)."""
    problems = []
    for n, line in enumerate(lines):
        for side in ("debit", "credit"):
            detail = excess_decimals(getattr(line, side), currency)
            if detail is not None:
                problems.append(_Problem("currency_decimals", f"lines.{n}.{side}", detail))
    return problems


DIMENSIONS = {"customer_id": "customer", "project_id": "project", "employee_id": "employee"}


def _account_refusal(account: asyncpg.Record, currency: str) -> tuple[str, str] | None:
    """Why the books' line trigger would refuse the account, asked first: (code, detail)."""
    if account["is_group"]:
        return "account_is_group", f"{account['code']} is a group account"
    if not account["is_active"]:
        return "account_inactive", f"{account['code']} is inactive"
    if account["currency"] not in (None, currency):
        return "account_currency", f"{account['code']} holds {account['currency']} only"
    return None


async def _reference_problems(
    db: asyncpg.Connection,
    workspace_id: uuid.UUID,
    lines: Sequence[PostingLine],
    *,
    posting_in: str | None,
) -> list[_Problem]:
    """Accounts and dimensions of the workspace; with `posting_in` (the entry's currency),
    also accounts that take postings in it."""
    checks = PostingChecksRepository(db, workspace_id)
    accounts = await checks.accounts(list({line.account_id for line in lines}))
    named = {kind: list({getattr(line, kind) for line in lines} - {None}) for kind in DIMENSIONS}
    found = await checks.dimensions(*named.values()) if any(named.values()) else set()
    problems = []
    for n, line in enumerate(lines):
        account = accounts.get(line.account_id)
        path = f"lines.{n}.account_id"
        if account is None:
            problems.append(_Problem("account_not_found", path, "not an account of this workspace"))
        elif posting_in is not None and (refusal := _account_refusal(account, posting_in)):
            problems.append(_Problem(refusal[0], path, refusal[1]))
        for kind, noun in DIMENSIONS.items():
            value = getattr(line, kind)
            if value is not None and (kind, value) not in found:
                detail = f"not a {noun} of this workspace"
                problems.append(_Problem(f"{noun}_not_found", f"lines.{n}.{kind}", detail))
    return problems


async def _postable(
    db: asyncpg.Connection,
    workspace_id: uuid.UUID,
    *,
    entry_date: date | None,
    currency: str,
    memo: str,
    lines: Sequence[PostingLine],
    source_id: uuid.UUID | None,
) -> Posting:
    """The manual posting, once every rule the books hold is checked here with its path."""
    if entry_date is None:
        raise invalid("A manual entry needs its date to post.", "entry_date", "required to post")
    if len(lines) < 2:
        raise invalid(
            f"An entry needs two lines or more; this one has {len(lines)}.",
            "lines",
            "at least two lines",
            code="entry_too_short",
        )
    _refuse(_one_sided_problems(lines))
    _refuse(_decimals_problems(lines, currency))
    _refuse(await _reference_problems(db, workspace_id, lines, posting_in=currency))
    debit = sum((line.debit for line in lines), ZERO)
    credit = sum((line.credit for line in lines), ZERO)
    if debit != credit:
        raise invalid(
            f"The entry does not balance: debit {debit}, credit {credit}.",
            "lines",
            f"debit {debit} <> credit {credit}",
            code="entry_unbalanced",
        )
    return Posting(
        entry_date=entry_date,
        currency=currency,
        memo=memo,
        source_type=SourceType.MANUAL,
        source_id=source_id,
        source_event="posted",
        lines=lines,
    )


def _posting_lines(lines: Iterable[Mapping[str, Any]]) -> list[PostingLine]:
    """Lines as posted, from a request's lines (dumped) or a draft's rows."""
    return [PostingLine(**{name: line[name] for name in LINE_FIELDS[1:]}) for line in lines]


async def post_manual_entry(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.ManualEntryIn
) -> schemas.JournalEntry:
    """Posts a manual entry at once, without a draft."""
    currency = data.currency or await PostingChecksRepository(db, ctx.workspace_id).base_currency()
    posting = await _postable(
        db,
        ctx.workspace_id,
        entry_date=data.entry_date,
        currency=currency,
        memo=data.memo,
        lines=_posting_lines(line.model_dump() for line in data.lines),
        source_id=None,
    )
    entry = await post(db, ctx.workspace_id, posting)
    return await get_journal_entry(ctx, db, entry["id"])


async def reverse_journal_entry(
    ctx: WorkspaceContext, db: asyncpg.Connection, entry_id: uuid.UUID, data: schemas.ReversalIn
) -> schemas.JournalEntry:
    """Posts the mirror of a manual entry, once; a document's entries are corrected by the
    document (a credit note, a payment's reversal)."""
    journal = JournalRepository(db, ctx.workspace_id)
    entry = await journal.get(entry_id)
    if entry is None:
        raise NotFound("Journal entry not found.")
    if entry["reverses_entry_id"] is not None:
        raise Conflict(
            f"{entry['number']} is a reversal; post a new entry instead.",
            code="entry_is_reversal",
        )
    if entry["source_type"] in DOCUMENT_SOURCES:
        raise Conflict(
            f"{entry['number']} was posted by a {entry['source_type'].replace('_', ' ')};"
            " correct the document instead.",
            code="entry_from_document",
        )
    if await journal.reversal_of(entry_id) is not None:
        raise REVERSAL_TAKEN["uq_journal_entries_workspace_id_reverses_entry_id"]()
    with constraint_errors(REVERSAL_TAKEN):
        reversal = await reverse(
            db, ctx.workspace_id, entry, data.entry_date or business_day(), data.memo
        )
    return await get_journal_entry(ctx, db, reversal["id"])


# Drafts of manual entries


async def _checked_draft_lines(
    db: asyncpg.Connection, workspace_id: uuid.UUID, lines: Sequence[schemas.JournalLineIn]
) -> list[dict[str, Any]]:
    """A draft's lines are one-sided, on accounts and dimensions of the workspace; the
    rest waits for the post."""
    dumped = [line.model_dump() for line in lines]
    posting_lines = _posting_lines(dumped)
    _refuse(_one_sided_problems(posting_lines))
    _refuse(await _reference_problems(db, workspace_id, posting_lines, posting_in=None))
    return dumped


async def _draft(repo: JournalDraftsRepository, draft_id: uuid.UUID) -> schemas.JournalDraft:
    row = await repo.get(draft_id)
    if row is None:
        raise NotFound("Journal draft not found.")
    lines = await repo.lines(draft_id)
    return schemas.JournalDraft.model_validate(
        {
            **dict(row),
            "lines": [dict(r) for r in lines],
            "debit_total": sum((r["debit"] for r in lines), ZERO),
            "credit_total": sum((r["credit"] for r in lines), ZERO),
        }
    )


async def _locked_draft(repo: JournalDraftsRepository, draft_id: uuid.UUID) -> asyncpg.Record:
    row = await repo.get(draft_id, for_update=True)
    if row is None:
        raise NotFound("Journal draft not found.")
    return row


async def create_journal_draft(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.ManualEntryIn
) -> schemas.JournalDraft:
    lines = await _checked_draft_lines(db, ctx.workspace_id, data.lines)
    repo = JournalDraftsRepository(db, ctx.workspace_id)
    draft_id = await repo.create(
        entry_date=data.entry_date, currency=data.currency, memo=data.memo, user_id=ctx.user_id
    )
    await repo.replace_lines(draft_id, lines)
    return await _draft(repo, draft_id)


async def list_journal_drafts(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.JournalDraftFilters,
    page: PageRequest,
) -> Page[schemas.JournalDraftSummary]:
    rows, total = await JournalDraftsRepository(db, ctx.workspace_id).list(
        q=search_text(filters.q), sort=filters.sort, page=page
    )
    return page_of(schemas.JournalDraftSummary, [dict(r) for r in rows], total, page)


async def get_journal_draft(
    ctx: WorkspaceContext, db: asyncpg.Connection, draft_id: uuid.UUID
) -> schemas.JournalDraft:
    return await _draft(JournalDraftsRepository(db, ctx.workspace_id), draft_id)


async def update_journal_draft(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    draft_id: uuid.UUID,
    data: schemas.JournalDraftUpdate,
) -> schemas.JournalDraft:
    """Changes the fields sent; sent `lines` replace all the draft's lines."""
    repo = JournalDraftsRepository(db, ctx.workspace_id)
    await _locked_draft(repo, draft_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"lines"})
    if data.lines is not None:
        lines = await _checked_draft_lines(db, ctx.workspace_id, data.lines)
        await repo.replace_lines(draft_id, lines)
    await repo.update(draft_id, changes)
    return await _draft(repo, draft_id)


async def delete_journal_draft(
    ctx: WorkspaceContext, db: asyncpg.Connection, draft_id: uuid.UUID
) -> None:
    repo = JournalDraftsRepository(db, ctx.workspace_id)
    await _locked_draft(repo, draft_id)
    await repo.delete(draft_id)


async def post_journal_draft(
    ctx: WorkspaceContext, db: asyncpg.Connection, draft_id: uuid.UUID
) -> schemas.JournalEntry:
    """Posts the draft as a manual entry (its source: the draft) and deletes the draft, in
    one transaction; the draft's row lock makes a second post of it find nothing."""
    repo = JournalDraftsRepository(db, ctx.workspace_id)
    draft = await _locked_draft(repo, draft_id)
    posting = await _postable(
        db,
        ctx.workspace_id,
        entry_date=draft["entry_date"],
        currency=draft["currency"],
        memo=draft["memo"],
        lines=_posting_lines(dict(r) for r in await repo.lines(draft_id)),
        source_id=draft_id,
    )
    entry = await post(db, ctx.workspace_id, posting)
    await repo.delete(draft_id)
    return await get_journal_entry(ctx, db, entry["id"])


# The operator's tools: verify the chains, reopen a period. They walk every workspace (or
# the one named), each in a transaction of its own under its tenant context: the only
# loops over workspaces, run by `atlas-erp ledger` with the owner's URL.


class UnknownWorkspace(NotFound):
    """No workspace has the slug given to a `ledger` command."""


@dataclass(frozen=True, slots=True)
class ChainBreak:
    number: str
    chain_seq: int
    what: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    slug: str
    entries: int
    first_break: ChainBreak | None
    # The first day total that is not the sum of its lines (migration 0012), if any.
    totals_break: str | None = None

    @property
    def broken(self) -> bool:
        return self.first_break is not None or self.totals_break is not None


@dataclass(frozen=True, slots=True)
class LockDateChange:
    slug: str
    old: date | None
    new: date | None


def entry_digest(prev_hash: bytes | None, fields_text: str, lines_text: str | None) -> bytes:
    """The entry's hash as `atlas_ledger_digest` computes it (migration 0011): SHA-256 of
    the previous hash, then the entry's fields' and its lines' JSON text."""
    content = (fields_text + (lines_text or "")).encode()
    return hashlib.sha256((prev_hash or b"") + content).digest()


def _chain_problem(row: asyncpg.Record, expected_seq: int, prev_hash: bytes | None) -> str | None:
    """What is wrong with the entry `expected_seq` of the chain, if anything."""
    if row["chain_seq"] != expected_seq:
        return f"chain_seq is {row['chain_seq']}, {expected_seq} expected (an entry is missing)"
    if row["prev_hash"] != prev_hash:
        return "prev_hash is not the previous entry's hash"
    counted = (row["lines_counted"], row["lines_debit"], row["lines_credit"])
    if counted != (row["line_count"], row["total"], row["total"]):
        n, debit, credit = counted
        return (
            f"its lines ({n}, debit {debit}, credit {credit}) are not those it sealed"
            f" ({row['line_count']}, total {row['total']})"
        )
    if entry_digest(prev_hash, row["fields_text"], row["lines_text"]) != row["hash"]:
        return "its hash does not match its content"
    return None


async def _walk_chain(db: asyncpg.Connection, workspace_id: uuid.UUID, slug: str) -> ChainReport:
    prev_hash: bytes | None = None
    seen = 0
    async with aclosing(ChainRepository(db, workspace_id).entries()) as entries:
        async for row in entries:
            seen += 1
            problem = _chain_problem(row, seen, prev_hash)
            if problem is not None:
                return ChainReport(slug, seen, ChainBreak(row["number"], row["chain_seq"], problem))
            prev_hash = row["hash"]
    wrong = await ChainRepository(db, workspace_id).first_wrong_day_total()
    if wrong is None:
        return ChainReport(slug, seen, None)
    found = f"debit {wrong['debit']}, credit {wrong['credit']}, {wrong['lines']} lines"
    kept = (
        f"debit {wrong['kept_debit']}, credit {wrong['kept_credit']}, {wrong['kept_lines']} lines"
        if wrong["kept_lines"] is not None
        else "none kept"
    )
    return ChainReport(
        slug,
        seen,
        None,
        f"the day total of {wrong['code']} on {wrong['entry_date']} in {wrong['currency']}"
        f" ({kept}) is not the sum of its lines ({found})",
    )


async def _named_workspaces(db: asyncpg.Connection, slug: str | None) -> list[asyncpg.Record]:
    found = await workspaces(db, slug)
    if slug is not None and not found:
        raise UnknownWorkspace(f"No workspace has the slug '{slug}'.")
    return found


async def verify_books(url: str, slug: str | None) -> list[ChainReport]:
    """Recomputes every entry's hash of each workspace (or the one named) in chain order,
    and checks the chain's links, its numbering 1..n and the lines each entry sealed,
    then that the day totals are the sums of the lines; the first break of each
    workspace is reported. `url`: the owner's."""
    db = await connect(url)
    try:
        reports = []
        for workspace in await _named_workspaces(db, slug):
            async with db.transaction(isolation="repeatable_read", readonly=True):
                await enter_workspace(db, workspace["id"])
                reports.append(await _walk_chain(db, workspace["id"], workspace["slug"]))
        return reports
    finally:
        await db.close()


async def reopen_books(url: str, slug: str, lock_date: date | None) -> LockDateChange:
    """Moves the workspace's lock date back to `lock_date` (None: no lock date), as the
    operator (the audit event names them); only the tables' owner may (`url`)."""
    db = await connect(url)
    try:
        async with db.transaction():
            (workspace,) = await _named_workspaces(db, slug)
            await enter_workspace(db, workspace["id"])
            await act_as_operator(db)
            books = BooksRepository(db, workspace["id"])
            row = await books.get(for_update=True)
            if row is None:
                raise Conflict("The workspace has no books.", code="no_books")
            old: date | None = row["lock_date"]
            if old is None or (lock_date is not None and lock_date >= old):
                raise Conflict(
                    f"Reopening moves the lock date back; it is {old or 'not set'}.",
                    code="lock_date_not_earlier",
                )
            await books.set_lock_date(lock_date)
            return LockDateChange(slug, old, lock_date)
    finally:
        await db.close()
