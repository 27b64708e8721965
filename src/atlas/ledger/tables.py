"""The general ledger: accounts, each workspace's books, journal entries and their lines,
and manual entries kept as drafts until posted (tenant tables).

Posted entries and lines are append-only: the app role may only SELECT and INSERT them,
and the database checks every posting (migration 0011, `docs/modules.md` "The books").
"""

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
    true,
)

from atlas.db.metadata import created_at, sort_index, tenant_table, updated_at
from atlas.validation import CURRENCY_CODE, business_date_range


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


class SystemRole(StrEnum):
    """The accounts postings find by their role; one account per role and workspace."""

    RECEIVABLES = "receivables"
    PAYABLES = "payables"
    BANK = "bank"
    CASH = "cash"
    TAX_PAYABLE = "tax_payable"
    TAX_RECEIVABLE = "tax_receivable"
    SALES_INCOME = "sales_income"
    RETAINED_EARNINGS = "retained_earnings"
    OPENING_BALANCES = "opening_balances"
    ROUNDING = "rounding"


class SourceType(StrEnum):
    """What posted an entry: a document of finance, a manual entry, or a reversal."""

    MANUAL = "manual"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    REVERSAL = "reversal"


ACCOUNT_TYPES = tuple(t.value for t in AccountType)
SYSTEM_ROLES = tuple(r.value for r in SystemRole)
SOURCE_TYPES = tuple(s.value for s in SourceType)
ONE_SIDED = "debit >= 0 AND credit >= 0 AND (debit > 0) <> (credit > 0)"
# An account's code: the column's CHECK and the API's validation (which adds the length).
ACCOUNT_CODE_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]*$"


def _line_columns(table: str) -> list[object]:
    """What a posted and a draft line share: the account, one-sided amounts, and the
    optional customer, project and employee, each of the workspace."""
    return [
        Column("customer_id", Uuid, nullable=True),
        Column("project_id", Uuid, nullable=True),
        Column("employee_id", Uuid, nullable=True),
        ForeignKeyConstraint(
            ["workspace_id", "customer_id"], ["customers.workspace_id", "customers.id"]
        ),
        ForeignKeyConstraint(
            ["workspace_id", "project_id"], ["projects.workspace_id", "projects.id"]
        ),
        ForeignKeyConstraint(
            ["workspace_id", "employee_id"], ["employees.workspace_id", "employees.id"]
        ),
        ForeignKeyConstraint(
            ["workspace_id", "account_id"], ["accounts.workspace_id", "accounts.id"]
        ),
        CheckConstraint(ONE_SIDED, name="one_sided"),
        Index(f"ix_{table}_workspace_id_account_id", "workspace_id", "account_id"),
    ]


accounts = tenant_table(
    "accounts",
    Column("code", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("parent_id", Uuid, nullable=True),
    Column("is_group", Boolean, nullable=False, server_default=false()),
    Column("currency", String(3), nullable=True),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("system_role", Text, nullable=True),
    Column("description", Text, nullable=False, server_default=""),
    created_at(),
    updated_at(),
    UniqueConstraint("workspace_id", "code"),
    UniqueConstraint("workspace_id", "system_role"),
    Index("ix_accounts_workspace_id_parent_id", "workspace_id", "parent_id"),
    sort_index("accounts", "name_lower", "lower(name)"),
    ForeignKeyConstraint(["workspace_id", "parent_id"], ["accounts.workspace_id", "accounts.id"]),
    CheckConstraint(f"type IN {ACCOUNT_TYPES!r}", name="type"),
    CheckConstraint(f"system_role IS NULL OR system_role IN {SYSTEM_ROLES!r}", name="system_role"),
    CheckConstraint("parent_id IS NULL OR parent_id <> id", name="parent"),
    CheckConstraint(f"code ~ '{ACCOUNT_CODE_PATTERN}'", name="code"),
    CheckConstraint(f"currency IS NULL OR currency ~ '{CURRENCY_CODE.pattern}'", name="currency"),
)

# One row per workspace: its lock date (the fiscal year is the workspace's own). Postings
# lock the row until they commit, so a lock-date move waits for them.
ledgers = tenant_table(
    "ledgers",
    Column("lock_date", Date, nullable=True),
    created_at(),
    updated_at(),
    UniqueConstraint("workspace_id"),
    CheckConstraint(business_date_range("lock_date"), name="lock_date_range"),
)

journal_entries = tenant_table(
    "journal_entries",
    Column("number", Text, nullable=False),
    Column("entry_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("memo", Text, nullable=False, server_default=""),
    Column("source_type", Text, nullable=False),
    Column("source_id", Uuid, nullable=True),
    Column("source_event", Text, nullable=False),
    Column("reverses_entry_id", Uuid, nullable=True),
    # Set by the database at insert: who posted, the lines' count and total, the chain.
    Column("created_by_user_id", Uuid, nullable=True),
    Column("line_count", Integer, nullable=False, server_default="0"),
    Column("total", Numeric(14, 2), nullable=False, server_default="0"),
    Column("chain_seq", BigInteger, nullable=False, server_default="0"),
    Column("prev_hash", LargeBinary, nullable=True),
    Column("hash", LargeBinary, nullable=False, server_default=text("'\\x'::bytea")),
    created_at(),
    UniqueConstraint("workspace_id", "number"),
    UniqueConstraint("workspace_id", "chain_seq"),
    # One posting per event of a document (the long default name would pass 63 bytes).
    UniqueConstraint(
        "workspace_id", "source_type", "source_id", "source_event", name="uq_journal_entries_source"
    ),
    UniqueConstraint("workspace_id", "reverses_entry_id"),
    sort_index("journal_entries", "entry_date"),
    ForeignKeyConstraint(
        ["workspace_id", "reverses_entry_id"],
        ["journal_entries.workspace_id", "journal_entries.id"],
        name="fk_journal_entries_reverses_entry",
    ),
    CheckConstraint(f"source_type IN {SOURCE_TYPES!r}", name="source_type"),
    CheckConstraint("line_count >= 2 AND total > 0", name="lines"),
    CheckConstraint(business_date_range("entry_date"), name="entry_date_range"),
)

# A line goes in before its entry, in the same transaction (the entry's insert checks and
# seals the lines it finds): hence the deferred key to the entry. Date and currency are
# the entry's, copied for the reports' indexes and checked at the entry's insert.
journal_lines = tenant_table(
    "journal_lines",
    Column("entry_id", Uuid, nullable=False),
    Column("position", Integer, nullable=False),
    Column("entry_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("account_id", Uuid, nullable=False),
    Column("debit", Numeric(14, 2), nullable=False, server_default="0"),
    Column("credit", Numeric(14, 2), nullable=False, server_default="0"),
    Column("description", Text, nullable=False, server_default=""),
    *_line_columns("journal_lines"),
    UniqueConstraint("workspace_id", "entry_id", "position"),
    ForeignKeyConstraint(
        ["workspace_id", "entry_id"],
        ["journal_entries.workspace_id", "journal_entries.id"],
        deferrable=True,
        initially="DEFERRED",
    ),
    Index(
        "ix_journal_lines_workspace_id_account_id_entry_date",
        "workspace_id",
        "account_id",
        "entry_date",
    ),
    Index("ix_journal_lines_workspace_id_entry_date", "workspace_id", "entry_date"),
    CheckConstraint(business_date_range("entry_date"), name="entry_date_range"),
)

# What the posted lines of each account, currency and day add up to: kept by the database
# as each entry posts (migration 0012), read by the reports instead of every line. The
# app role may only read it.
journal_day_totals = tenant_table(
    "journal_day_totals",
    Column("account_id", Uuid, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("entry_date", Date, nullable=False),
    Column("debit", Numeric(18, 2), nullable=False),
    Column("credit", Numeric(18, 2), nullable=False),
    Column("line_count", Integer, nullable=False),
    UniqueConstraint(
        "workspace_id", "account_id", "currency", "entry_date", name="uq_journal_day_totals_day"
    ),
    ForeignKeyConstraint(["workspace_id", "account_id"], ["accounts.workspace_id", "accounts.id"]),
    CheckConstraint(business_date_range("entry_date"), name="entry_date_range"),
    CheckConstraint("debit >= 0 AND credit >= 0 AND line_count > 0", name="sums"),
)

# Manual entries being written: edited freely, posted as a journal entry (and removed).
journal_drafts = tenant_table(
    "journal_drafts",
    Column("entry_date", Date, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("memo", Text, nullable=False, server_default=""),
    Column("created_by_user_id", Uuid, nullable=True),
    created_at(),
    updated_at(),
    sort_index("journal_drafts", "updated_at"),
    CheckConstraint(business_date_range("entry_date"), name="entry_date_range"),
)

journal_draft_lines = tenant_table(
    "journal_draft_lines",
    Column("draft_id", Uuid, nullable=False),
    Column("position", Integer, nullable=False),
    Column("account_id", Uuid, nullable=False),
    Column("debit", Numeric(14, 2), nullable=False, server_default="0"),
    Column("credit", Numeric(14, 2), nullable=False, server_default="0"),
    Column("description", Text, nullable=False, server_default=""),
    *_line_columns("journal_draft_lines"),
    UniqueConstraint("workspace_id", "draft_id", "position"),
    ForeignKeyConstraint(
        ["workspace_id", "draft_id"],
        ["journal_drafts.workspace_id", "journal_drafts.id"],
        ondelete="CASCADE",
    ),
)
