"""The books' day totals: per workspace, account, currency and day, what the posted lines
debit and credit, kept by the database as each entry posts.

- `journal_day_totals` (tenant table): one row per account, currency and day with
  postings; its debit, credit and line count are the sums of that day's posted lines.
  The trial balance, the profit and loss and the balance sheet read it instead of every
  line (a workspace of a million lines holds some tens of thousands of such rows).
- Kept by `atlas_ledger_day_totals`, an AFTER INSERT trigger of `journal_entries`: the
  entry's lines, added to their days in the posting's transaction. It runs under the
  books' row lock the entry's insert took, so a workspace's totals change one posting
  at a time (no lock-order deadlock between postings), and as the tables' owner
  (SECURITY DEFINER): the app role may only read the totals.
- Posted lines never change, so neither do the totals but through a new entry. The rows
  of the entries posted so far are added here, in the migration's transaction.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atlas.db.rls import tenant_policy_sql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The row's id follows from its key (an immutable function: Citus evaluates it on the
# shard), so the same day's row is found again by the key and never made twice.
TOTALS_OF = """
    SELECT l.workspace_id,
           md5(l.account_id::text || l.currency || l.entry_date::text)::uuid,
           l.account_id, l.currency, l.entry_date,
           sum(l.debit), sum(l.credit), count(*)::integer
      FROM journal_lines l"""
GROUPED = "GROUP BY l.workspace_id, l.account_id, l.currency, l.entry_date"
COLUMNS = "workspace_id, id, account_id, currency, entry_date, debit, credit, line_count"

DAY_TOTALS = f"""
CREATE FUNCTION atlas_ledger_day_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
BEGIN
    INSERT INTO journal_day_totals AS t ({COLUMNS})
    {TOTALS_OF}
     WHERE l.workspace_id = NEW.workspace_id AND l.entry_id = NEW.id
     {GROUPED}
    ON CONFLICT (workspace_id, account_id, currency, entry_date) DO UPDATE
       SET debit = t.debit + EXCLUDED.debit,
           credit = t.credit + EXCLUDED.credit,
           line_count = t.line_count + EXCLUDED.line_count;
    RETURN NULL;
END
$fn$
"""

# Every workspace's totals from its lines at once (the bench's generated books use it too).
ADD_ALL = f"INSERT INTO journal_day_totals ({COLUMNS}) {TOTALS_OF} {GROUPED}"

TRIGGER = (
    "CREATE TRIGGER ledger_day_totals AFTER INSERT ON journal_entries"
    " FOR EACH ROW EXECUTE FUNCTION atlas_ledger_day_totals()"
)


def upgrade(app_role: str) -> None:
    # `op.create_table`: on a distributed schema it is distributed with its keys.
    op.create_table(
        "journal_day_totals",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("debit", sa.Numeric(18, 2), nullable=False),
        sa.Column("credit", sa.Numeric(18, 2), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_journal_day_totals")),
        sa.UniqueConstraint(
            "workspace_id",
            "account_id",
            "currency",
            "entry_date",
            name=op.f("uq_journal_day_totals_day"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_journal_day_totals_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "account_id"],
            ["accounts.workspace_id", "accounts.id"],
            name=op.f("fk_journal_day_totals_workspace_id_account_id_accounts"),
        ),
        sa.CheckConstraint(
            "entry_date >= '1900-01-01' AND entry_date <= '2200-12-31'",
            name=op.f("ck_journal_day_totals_entry_date_range"),
        ),
        sa.CheckConstraint(
            "debit >= 0 AND credit >= 0 AND line_count > 0", name=op.f("ck_journal_day_totals_sums")
        ),
    )
    for statement in tenant_policy_sql("journal_day_totals"):
        op.execute(statement)
    op.execute(f'GRANT SELECT ON journal_day_totals TO "{app_role}"')
    op.execute(DAY_TOTALS)
    op.execute(TRIGGER)
    # The entries posted so far, every workspace at once: as the tables' owner, outside
    # the forced policy for this statement only (the transaction holds the tables).
    op.execute("LOCK TABLE journal_entries, journal_lines IN SHARE MODE")
    for table in ("journal_lines", "journal_day_totals"):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(ADD_ALL)
    for table in ("journal_lines", "journal_day_totals"):
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade(app_role: str) -> None:
    op.execute(f'REVOKE ALL ON journal_day_totals FROM "{app_role}"')
    op.execute("DROP TRIGGER ledger_day_totals ON journal_entries")
    op.execute("DROP FUNCTION atlas_ledger_day_totals()")
    op.execute("DROP TABLE journal_day_totals")
