"""The general ledger: accounts, books, journal entries held by the database; credit notes.

- `accounts` (chart of accounts), `ledgers` (one row per workspace: its lock date),
  `journal_entries` and `journal_lines` (posted, append-only), `journal_drafts`
  and `journal_draft_lines` (manual entries being written).
- Finance: `credit_notes` and their lines (append-only), `invoices.amount_credited`,
  `payments.reversed_on`, and the income account a customer or an invoice line may name.
- The rules of the books, in triggers (SQLSTATEs of class `AL`, see `atlas.ledger.errors`):
  a line goes in before its entry, on an active, non-group account of the entry's
  currency; the entry's insert takes the books' row lock, refuses a date on or before the
  lock date, checks that its lines balance (at least two, one-sided) and seals them: their
  count and total, and a SHA-256 chained over the workspace's previous entry. At COMMIT a
  deferred check compares every entry with its lines again. Posted rows are never updated;
  they are deleted only with their workspace. The lock date moves back only for the owner.
- Existing workspaces get their books (`atlas.books_upgrade`, run by `atlas-erp db
  upgrade` after the migrations): this migration only makes the tables.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from atlas.db.rls import app_update_grant_sql, tenant_policy_sql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> str:
    return (
        f"CONSTRAINT fk_{table}_workspace_id_{column}_{target} FOREIGN KEY (workspace_id,"
        f" {column}) REFERENCES {target} (workspace_id, id)"
    )


def _frame(table: str) -> str:
    """workspace_id and id as `tenant_table` makes them."""
    return (
        f"workspace_id uuid NOT NULL CONSTRAINT fk_{table}_workspace_id_workspaces"
        " REFERENCES workspaces (id) ON DELETE CASCADE, id uuid NOT NULL"
    )


def _line_columns(table: str) -> str:
    return f"""
    account_id uuid NOT NULL,
    debit numeric(14, 2) NOT NULL DEFAULT 0,
    credit numeric(14, 2) NOT NULL DEFAULT 0,
    description text NOT NULL DEFAULT '',
    customer_id uuid, project_id uuid, employee_id uuid,
    {_fk(table, "customer_id", "customers")},
    {_fk(table, "project_id", "projects")},
    {_fk(table, "employee_id", "employees")},
    {_fk(table, "account_id", "accounts")},
    CONSTRAINT ck_{table}_one_sided
        CHECK (debit >= 0 AND credit >= 0 AND (debit > 0) <> (credit > 0))"""


def _dates(table: str, column: str) -> str:
    return (
        f"CONSTRAINT ck_{table}_{column}_range"
        f" CHECK ({column} >= '1900-01-01' AND {column} <= '2200-12-31')"
    )


TABLES = [
    f"""CREATE TABLE accounts (
    {_frame("accounts")},
    code varchar(20) NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    parent_id uuid,
    is_group boolean NOT NULL DEFAULT false,
    currency varchar(3),
    is_active boolean NOT NULL DEFAULT true,
    system_role text,
    description text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_accounts PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_accounts_workspace_id_code UNIQUE (workspace_id, code),
    CONSTRAINT uq_accounts_workspace_id_system_role UNIQUE (workspace_id, system_role),
    {_fk("accounts", "parent_id", "accounts")},
    CONSTRAINT ck_accounts_type
        CHECK (type IN ('asset', 'liability', 'equity', 'income', 'expense')),
    CONSTRAINT ck_accounts_system_role CHECK (system_role IS NULL OR system_role IN (
        'receivables', 'payables', 'bank', 'cash', 'tax_payable', 'tax_receivable',
        'sales_income', 'retained_earnings', 'opening_balances', 'rounding')),
    CONSTRAINT ck_accounts_parent CHECK (parent_id IS NULL OR parent_id <> id),
    CONSTRAINT ck_accounts_code CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$'),
    CONSTRAINT ck_accounts_currency CHECK (currency IS NULL OR currency ~ '^[A-Z]{{3}}$')
)""",
    "CREATE INDEX ix_accounts_workspace_id_parent_id ON accounts (workspace_id, parent_id)",
    "CREATE INDEX ix_accounts_workspace_id_name_lower_id ON accounts"
    " (workspace_id, lower(name), id)",
    f"""CREATE TABLE ledgers (
    {_frame("ledgers")},
    lock_date date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_ledgers PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_ledgers_workspace_id UNIQUE (workspace_id),
    {_dates("ledgers", "lock_date")}
)""",
    f"""CREATE TABLE journal_entries (
    {_frame("journal_entries")},
    number text NOT NULL,
    entry_date date NOT NULL,
    currency varchar(3) NOT NULL,
    memo text NOT NULL DEFAULT '',
    source_type text NOT NULL,
    source_id uuid,
    source_event text NOT NULL,
    reverses_entry_id uuid,
    created_by_user_id uuid,
    line_count integer NOT NULL DEFAULT 0,
    total numeric(14, 2) NOT NULL DEFAULT 0,
    chain_seq bigint NOT NULL DEFAULT 0,
    prev_hash bytea,
    hash bytea NOT NULL DEFAULT '\\x'::bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_journal_entries PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_journal_entries_workspace_id_number UNIQUE (workspace_id, number),
    CONSTRAINT uq_journal_entries_workspace_id_chain_seq UNIQUE (workspace_id, chain_seq),
    CONSTRAINT uq_journal_entries_source
        UNIQUE (workspace_id, source_type, source_id, source_event),
    CONSTRAINT uq_journal_entries_workspace_id_reverses_entry_id
        UNIQUE (workspace_id, reverses_entry_id),
    CONSTRAINT fk_journal_entries_reverses_entry FOREIGN KEY (workspace_id, reverses_entry_id)
        REFERENCES journal_entries (workspace_id, id),
    CONSTRAINT ck_journal_entries_source_type CHECK (source_type IN
        ('manual', 'invoice', 'credit_note', 'payment', 'reversal')),
    CONSTRAINT ck_journal_entries_lines CHECK (line_count >= 2 AND total > 0),
    {_dates("journal_entries", "entry_date")}
)""",
    "CREATE INDEX ix_journal_entries_workspace_id_entry_date_id ON journal_entries"
    " (workspace_id, entry_date, id)",
    f"""CREATE TABLE journal_lines (
    {_frame("journal_lines")},
    entry_id uuid NOT NULL,
    position integer NOT NULL,
    entry_date date NOT NULL,
    currency varchar(3) NOT NULL,
    {_line_columns("journal_lines")},
    CONSTRAINT pk_journal_lines PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_journal_lines_workspace_id_entry_id_position
        UNIQUE (workspace_id, entry_id, position),
    CONSTRAINT fk_journal_lines_workspace_id_entry_id_journal_entries
        FOREIGN KEY (workspace_id, entry_id) REFERENCES journal_entries (workspace_id, id)
        DEFERRABLE INITIALLY DEFERRED,
    {_dates("journal_lines", "entry_date")}
)""",
    "CREATE INDEX ix_journal_lines_workspace_id_account_id ON journal_lines"
    " (workspace_id, account_id)",
    "CREATE INDEX ix_journal_lines_workspace_id_account_id_entry_date ON journal_lines"
    " (workspace_id, account_id, entry_date)",
    "CREATE INDEX ix_journal_lines_workspace_id_entry_date ON journal_lines"
    " (workspace_id, entry_date)",
    f"""CREATE TABLE journal_drafts (
    {_frame("journal_drafts")},
    entry_date date,
    currency varchar(3) NOT NULL,
    memo text NOT NULL DEFAULT '',
    created_by_user_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_journal_drafts PRIMARY KEY (workspace_id, id),
    {_dates("journal_drafts", "entry_date")}
)""",
    "CREATE INDEX ix_journal_drafts_workspace_id_updated_at_id ON journal_drafts"
    " (workspace_id, updated_at, id)",
    f"""CREATE TABLE journal_draft_lines (
    {_frame("journal_draft_lines")},
    draft_id uuid NOT NULL,
    position integer NOT NULL,
    {_line_columns("journal_draft_lines")},
    CONSTRAINT pk_journal_draft_lines PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_journal_draft_lines_workspace_id_draft_id_position
        UNIQUE (workspace_id, draft_id, position),
    CONSTRAINT fk_journal_draft_lines_workspace_id_draft_id_journal_drafts
        FOREIGN KEY (workspace_id, draft_id) REFERENCES journal_drafts (workspace_id, id)
        ON DELETE CASCADE
)""",
    "CREATE INDEX ix_journal_draft_lines_workspace_id_account_id ON journal_draft_lines"
    " (workspace_id, account_id)",
    f"""CREATE TABLE credit_notes (
    {_frame("credit_notes")},
    invoice_id uuid NOT NULL,
    number text NOT NULL,
    issue_date date NOT NULL,
    currency varchar(3) NOT NULL,
    reason text NOT NULL DEFAULT '',
    subtotal numeric(14, 2) NOT NULL,
    tax_total numeric(14, 2) NOT NULL,
    total numeric(14, 2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_credit_notes PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_credit_notes_workspace_id_number UNIQUE (workspace_id, number),
    {_fk("credit_notes", "invoice_id", "invoices")},
    CONSTRAINT ck_credit_notes_amounts CHECK (total > 0 AND subtotal >= 0 AND tax_total >= 0),
    {_dates("credit_notes", "issue_date")}
)""",
    "CREATE INDEX ix_credit_notes_workspace_id_invoice_id ON credit_notes"
    " (workspace_id, invoice_id)",
    f"""CREATE TABLE credit_note_lines (
    {_frame("credit_note_lines")},
    credit_note_id uuid NOT NULL,
    position integer NOT NULL,
    description text NOT NULL,
    quantity numeric(12, 3) NOT NULL,
    unit_price numeric(14, 2) NOT NULL,
    tax_rate numeric(5, 2) NOT NULL DEFAULT 0,
    subtotal numeric(14, 2) NOT NULL,
    tax numeric(14, 2) NOT NULL,
    total numeric(14, 2) NOT NULL,
    income_account_id uuid,
    CONSTRAINT pk_credit_note_lines PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_credit_note_lines_workspace_id_credit_note_id_position
        UNIQUE (workspace_id, credit_note_id, position),
    {_fk("credit_note_lines", "credit_note_id", "credit_notes")},
    {_fk("credit_note_lines", "income_account_id", "accounts")},
    CONSTRAINT ck_credit_note_lines_quantity CHECK (quantity > 0),
    CONSTRAINT ck_credit_note_lines_tax_rate CHECK (tax_rate >= 0 AND tax_rate <= 100)
)""",
]

FINANCE_COLUMNS = [
    "ALTER TABLE customers ADD COLUMN income_account_id uuid,"
    f" ADD {_fk('customers', 'income_account_id', 'accounts')}",
    "ALTER TABLE invoice_lines ADD COLUMN income_account_id uuid,"
    f" ADD {_fk('invoice_lines', 'income_account_id', 'accounts')}",
    "ALTER TABLE invoices ADD COLUMN amount_credited numeric(14, 2) NOT NULL DEFAULT 0,"
    " DROP CONSTRAINT ck_invoices_paid_within_total,"
    " ADD CONSTRAINT ck_invoices_settled_within_total CHECK (amount_paid >= 0"
    " AND amount_credited >= 0 AND amount_paid + amount_credited <= total)",
    "ALTER TABLE payments ADD COLUMN reversed_on date,"
    f" ADD {_dates('payments', 'reversed_on')},"
    " ADD CONSTRAINT ck_payments_reversed_after_paid CHECK (reversed_on >= paid_on)",
]

# The entry's content as the chain hashes it: the entry's fields, then its lines in order,
# as JSON arrays (jsonb's text is the same for the same values).
DIGEST_FUNCTION = r"""
CREATE FUNCTION atlas_ledger_digest(p_workspace_id uuid, p_entry_id uuid, p_prev bytea,
                                    p_entry jsonb)
RETURNS bytea LANGUAGE plpgsql STABLE SECURITY INVOKER AS $fn$
DECLARE
    v_lines text;
BEGIN
    -- PL/pgSQL, not SQL: Citus plans no statement of a SQL function with parameters.
    SELECT jsonb_agg(jsonb_build_array(l.position, l.account_id, l.debit, l.credit,
                                       l.description, l.customer_id, l.project_id,
                                       l.employee_id) ORDER BY l.position)::text
      INTO v_lines
      FROM journal_lines l
     WHERE l.workspace_id = p_workspace_id AND l.entry_id = p_entry_id;
    RETURN sha256(coalesce(p_prev, '\x'::bytea)
                  || convert_to(p_entry::text || coalesce(v_lines, ''), 'UTF8'));
END
$fn$
"""

# The fields of an entry that its hash covers (the digest's `p_entry`). Scalar arguments,
# not the row: on Citus a trigger's NEW is the shard's row type, not `journal_entries`.
ENTRY_FIELDS = (
    "workspace_id uuid, id uuid, number text, entry_date date, currency text, memo text,"
    " source_type text, source_id uuid, source_event text, reverses_entry_id uuid,"
    " created_by_user_id uuid, line_count integer, total numeric, chain_seq bigint"
)
ENTRY_FIELDS_FUNCTION = f"""
CREATE FUNCTION atlas_ledger_entry_fields({ENTRY_FIELDS}) RETURNS jsonb
LANGUAGE sql IMMUTABLE SECURITY INVOKER AS $fn$
    SELECT jsonb_build_array(workspace_id, id, number, entry_date, currency, memo,
                             source_type, source_id, source_event, reverses_entry_id,
                             created_by_user_id, line_count, total, chain_seq)
$fn$
"""

LINE_BEFORE_INSERT = r"""
CREATE FUNCTION atlas_ledger_line_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
DECLARE
    v_group boolean; v_active boolean; v_currency text;
BEGIN
    IF EXISTS (SELECT 1 FROM journal_entries e
                WHERE e.workspace_id = NEW.workspace_id AND e.id = NEW.entry_id) THEN
        RAISE EXCEPTION 'entry % is posted: its lines cannot change', NEW.entry_id
            USING ERRCODE = 'AL005';
    END IF;
    -- The share lock keeps the account as it is until this posting commits.
    SELECT a.is_group, a.is_active, a.currency INTO v_group, v_active, v_currency
      FROM accounts a WHERE a.workspace_id = NEW.workspace_id AND a.id = NEW.account_id
       FOR SHARE;
    IF v_group THEN
        RAISE EXCEPTION 'account % is a group account: nothing posts to it', NEW.account_id
            USING ERRCODE = 'AL006';
    ELSIF NOT v_active THEN
        RAISE EXCEPTION 'account % is inactive', NEW.account_id USING ERRCODE = 'AL007';
    ELSIF v_currency IS NOT NULL AND v_currency <> NEW.currency THEN
        RAISE EXCEPTION 'account % holds % only', NEW.account_id, v_currency
            USING ERRCODE = 'AL008';
    END IF;
    RETURN NEW;
END
$fn$
"""

ENTRY_BEFORE_INSERT = r"""
CREATE FUNCTION atlas_ledger_entry_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
DECLARE
    v_lock date; v_found boolean; v_count integer; v_debit numeric; v_credit numeric;
    v_alike boolean; v_seq bigint; v_prev bytea;
BEGIN
    -- The books' row lock: postings of a workspace chain one after the other, and a move
    -- of the lock date waits for the postings in flight.
    SELECT true, b.lock_date INTO v_found, v_lock FROM ledgers b
     WHERE b.workspace_id = NEW.workspace_id FOR UPDATE;
    IF v_found IS NULL THEN
        RAISE EXCEPTION 'the workspace has no books' USING ERRCODE = 'AL000';
    END IF;
    IF NEW.entry_date <= v_lock THEN
        RAISE EXCEPTION 'the books are locked up to %', v_lock USING ERRCODE = 'AL001';
    END IF;
    SELECT count(*), coalesce(sum(l.debit), 0), coalesce(sum(l.credit), 0),
           coalesce(bool_and(l.entry_date = NEW.entry_date AND l.currency = NEW.currency), true)
      INTO v_count, v_debit, v_credit, v_alike
      FROM journal_lines l WHERE l.workspace_id = NEW.workspace_id AND l.entry_id = NEW.id;
    IF v_count < 2 THEN
        RAISE EXCEPTION 'an entry needs at least two lines, entry % has %', NEW.id, v_count
            USING ERRCODE = 'AL002';
    ELSIF v_debit <> v_credit THEN
        RAISE EXCEPTION 'entry % does not balance: debit %, credit %', NEW.id, v_debit, v_credit
            USING ERRCODE = 'AL003';
    ELSIF NOT v_alike THEN
        RAISE EXCEPTION 'the lines of entry % have another date or currency', NEW.id
            USING ERRCODE = 'AL004';
    END IF;
    SELECT e.chain_seq, e.hash INTO v_seq, v_prev FROM journal_entries e
     WHERE e.workspace_id = NEW.workspace_id ORDER BY e.chain_seq DESC LIMIT 1;
    NEW.created_by_user_id := nullif(current_setting('app.user_id', true), '')::uuid;
    NEW.created_at := now();
    NEW.line_count := v_count;
    NEW.total := v_debit;
    NEW.chain_seq := coalesce(v_seq, 0) + 1;
    NEW.prev_hash := v_prev;
    NEW.hash := atlas_ledger_digest(NEW.workspace_id, NEW.id, v_prev, atlas_ledger_entry_fields(
        NEW.workspace_id, NEW.id, NEW.number, NEW.entry_date, NEW.currency, NEW.memo,
        NEW.source_type, NEW.source_id, NEW.source_event, NEW.reverses_entry_id,
        NEW.created_by_user_id, NEW.line_count, NEW.total, NEW.chain_seq));
    RETURN NEW;
END
$fn$
"""

# At COMMIT, for every entry inserted and every line inserted: the entry's lines are the
# ones it sealed (a line added later, from any transaction, changes their count or total).
# A line whose entry this same transaction inserted (outside a savepoint) is left to the
# entry's own check, which counts every line of the transaction.
# On Citus the trigger runs on a shard at the worker's commit, where a statement naming the
# distributed table would run apart from the transaction: it reads the co-located shards
# by name instead (TG_TABLE_NAME is then the shard's, e.g. journal_lines_102040).
CHECK_AT_COMMIT = r"""
CREATE FUNCTION atlas_ledger_check() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
DECLARE
    v_entry uuid; v_entries text; v_lines text;
    v_count integer; v_total numeric; v_found integer; v_debit numeric; v_credit numeric;
    v_own boolean;
BEGIN
    IF TG_ARGV[0] = 'lines' THEN
        v_entry := NEW.entry_id;
    ELSE
        v_entry := NEW.id;
    END IF;
    -- At COMMIT the tenant context is the one the transaction ended in; the row was
    -- written in its own workspace's (the policy checked it), which the check reads in.
    PERFORM set_config('app.workspace_id', NEW.workspace_id::text, true);
    IF TG_TABLE_NAME IN ('journal_entries', 'journal_lines') THEN
        -- Static statements: planned once per connection (this runs for every row).
        SELECT e.line_count, e.total, e.xmin = pg_current_xact_id()::xid
          INTO v_count, v_total, v_own FROM journal_entries e
         WHERE e.workspace_id = NEW.workspace_id AND e.id = v_entry;
        IF TG_ARGV[0] = 'lines' AND v_own THEN
            RETURN NULL;  -- the entry's own check, at the same COMMIT, counts them
        END IF;
        SELECT count(*), coalesce(sum(l.debit), 0), coalesce(sum(l.credit), 0)
          INTO v_found, v_debit, v_credit
          FROM journal_lines l WHERE l.workspace_id = NEW.workspace_id AND l.entry_id = v_entry;
    ELSE
        -- The same two statements on the co-located shards of a Citus worker.
        v_entries := 'journal_entries_'
            || get_shard_id_for_distribution_column('journal_entries', NEW.workspace_id);
        v_lines := 'journal_lines_'
            || get_shard_id_for_distribution_column('journal_lines', NEW.workspace_id);
        EXECUTE format('SELECT e.line_count, e.total, e.xmin = pg_current_xact_id()::xid'
                       ' FROM %I e WHERE e.workspace_id = $1 AND e.id = $2', v_entries)
           INTO v_count, v_total, v_own USING NEW.workspace_id, v_entry;
        IF TG_ARGV[0] = 'lines' AND v_own THEN
            RETURN NULL;
        END IF;
        EXECUTE format('SELECT count(*), coalesce(sum(l.debit), 0), coalesce(sum(l.credit), 0)'
                       ' FROM %I l WHERE l.workspace_id = $1 AND l.entry_id = $2', v_lines)
           INTO v_found, v_debit, v_credit USING NEW.workspace_id, v_entry;
    END IF;
    IF v_count IS NULL THEN
        RAISE EXCEPTION 'lines without their entry %', v_entry USING ERRCODE = 'AL002';
    ELSIF v_found <> v_count OR v_debit <> v_total OR v_credit <> v_total THEN
        RAISE EXCEPTION 'entry % does not balance: % lines, debit %, credit %',
                        v_entry, v_found, v_debit, v_credit
            USING ERRCODE = 'AL003';
    END IF;
    RETURN NULL;
END
$fn$
"""

# Posted rows: no UPDATE, ever; a DELETE only when the workspace itself is gone (its
# deletion cascades to its books). The app role lacks both privileges anyway.
IMMUTABLE = r"""
CREATE FUNCTION atlas_ledger_immutable() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
BEGIN
    IF TG_OP = 'DELETE'
       AND NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = OLD.workspace_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'posted % are never changed or deleted: post a reversal', TG_TABLE_NAME
        USING ERRCODE = 'AL009';
END
$fn$
"""

NO_TRUNCATE = r"""
CREATE FUNCTION atlas_ledger_no_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
BEGIN
    RAISE EXCEPTION 'posted % are never truncated', TG_TABLE_NAME USING ERRCODE = 'AL009';
END
$fn$
"""

# The lock date moves forward only, except for the tables' owner (the operator's reopen).
LOCK_FORWARD = r"""
CREATE FUNCTION atlas_ledger_lock_forward() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
BEGIN
    IF OLD.lock_date IS NOT NULL
       AND (NEW.lock_date IS NULL OR NEW.lock_date < OLD.lock_date)
       AND NOT pg_has_role(current_user, (SELECT c.relowner FROM pg_class c
                                           WHERE c.oid = TG_RELID), 'USAGE') THEN
        RAISE EXCEPTION 'the lock date only moves forward (it is %)', OLD.lock_date
            USING ERRCODE = 'AL010';
    END IF;
    RETURN NEW;
END
$fn$
"""

# Parent: a group of the same type, no cycle; an account with postings stays a ledger
# account of its type; a group with children stays a group; a system account stays usable.
ACCOUNT_RULES = r"""
CREATE FUNCTION atlas_ledger_account_rules() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
DECLARE
    v_parent uuid := NEW.parent_id; v_type text; v_group boolean; v_depth integer := 0;
BEGIN
    WHILE v_parent IS NOT NULL LOOP
        IF v_parent = NEW.id OR v_depth > 32 THEN
            RAISE EXCEPTION 'account % cannot sit under itself', NEW.code
                USING ERRCODE = 'AL011';
        END IF;
        SELECT a.type, a.is_group, a.parent_id INTO v_type, v_group, v_parent
          FROM accounts a WHERE a.workspace_id = NEW.workspace_id AND a.id = v_parent;
        IF v_depth = 0 AND (v_type IS DISTINCT FROM NEW.type OR NOT v_group) THEN
            RAISE EXCEPTION 'the parent of account % must be a group account of type %',
                            NEW.code, NEW.type
                USING ERRCODE = 'AL011';
        END IF;
        v_depth := v_depth + 1;
    END LOOP;
    IF NEW.system_role IS NOT NULL AND (NEW.is_group OR NOT NEW.is_active) THEN
        RAISE EXCEPTION 'account % holds the % role: it stays an active ledger account',
                        NEW.code, NEW.system_role
            USING ERRCODE = 'AL012';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF (NEW.is_group AND NOT OLD.is_group OR NEW.type <> OLD.type
            OR NEW.currency IS DISTINCT FROM OLD.currency AND NEW.currency IS NOT NULL)
           AND EXISTS (SELECT 1 FROM journal_lines l
                        WHERE l.workspace_id = NEW.workspace_id AND l.account_id = NEW.id) THEN
            RAISE EXCEPTION 'account % has postings: its type, currency and kind stay',
                            NEW.code
                USING ERRCODE = 'AL013';
        END IF;
        IF (NOT NEW.is_group AND OLD.is_group OR NEW.type <> OLD.type)
           AND EXISTS (SELECT 1 FROM accounts c
                        WHERE c.workspace_id = NEW.workspace_id AND c.parent_id = NEW.id) THEN
            RAISE EXCEPTION 'account % has accounts under it', NEW.code
                USING ERRCODE = 'AL014';
        END IF;
    END IF;
    RETURN NEW;
END
$fn$
"""

TRIGGERS = [
    "CREATE TRIGGER ledger_line BEFORE INSERT ON journal_lines"
    " FOR EACH ROW EXECUTE FUNCTION atlas_ledger_line_insert()",
    "CREATE TRIGGER ledger_entry BEFORE INSERT ON journal_entries"
    " FOR EACH ROW EXECUTE FUNCTION atlas_ledger_entry_insert()",
    *(
        f"CREATE CONSTRAINT TRIGGER ledger_check AFTER INSERT ON journal_{table}"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
        f" EXECUTE FUNCTION atlas_ledger_check('{table}')"
        for table in ("entries", "lines")
    ),
    *(
        f"CREATE TRIGGER ledger_immutable BEFORE UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION atlas_ledger_immutable()"
        for table in ("journal_entries", "journal_lines")
    ),
    *(
        f"CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION atlas_ledger_no_truncate()"
        for table in ("journal_entries", "journal_lines")
    ),
    "CREATE TRIGGER ledger_lock_forward BEFORE UPDATE ON ledgers"
    " FOR EACH ROW EXECUTE FUNCTION atlas_ledger_lock_forward()",
    "CREATE TRIGGER ledger_account_rules BEFORE INSERT OR UPDATE ON accounts"
    " FOR EACH ROW EXECUTE FUNCTION atlas_ledger_account_rules()",
]

FUNCTIONS = (
    "atlas_ledger_digest",
    "atlas_ledger_entry_fields",
    "atlas_ledger_line_insert",
    "atlas_ledger_entry_insert",
    "atlas_ledger_check",
    "atlas_ledger_immutable",
    "atlas_ledger_no_truncate",
    "atlas_ledger_lock_forward",
    "atlas_ledger_account_rules",
)

AUDITED = {
    "accounts": "account",
    "ledgers": "books",
    "journal_entries": "journal_entry",
    "journal_drafts": "journal_draft",
    "journal_draft_lines": "journal_draft_line",
    "credit_notes": "credit_note",
    "credit_note_lines": "credit_note_line",
}
NEW_TABLES = (
    "accounts",
    "ledgers",
    "journal_entries",
    "journal_lines",
    "journal_drafts",
    "journal_draft_lines",
    "credit_notes",
    "credit_note_lines",
)
APPEND_ONLY = ("journal_entries", "journal_lines", "credit_notes", "credit_note_lines")


def upgrade(app_role: str) -> None:
    for statement in (*TABLES, *FINANCE_COLUMNS):
        op.execute(statement)
    for function in (
        DIGEST_FUNCTION,
        ENTRY_FIELDS_FUNCTION,
        LINE_BEFORE_INSERT,
        ENTRY_BEFORE_INSERT,
        CHECK_AT_COMMIT,
        IMMUTABLE,
        NO_TRUNCATE,
        LOCK_FORWARD,
        ACCOUNT_RULES,
    ):
        op.execute(function)
    for statement in TRIGGERS:
        op.execute(statement)
    for table, entity_type in AUDITED.items():
        op.execute(
            f"CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION atlas_audit('{entity_type}')"
        )
    role = f'"{app_role}"'
    for table in NEW_TABLES:
        for statement in tenant_policy_sql(table):
            op.execute(statement)
        if table in APPEND_ONLY:
            op.execute(f"GRANT SELECT, INSERT ON {table} TO {role}")
        elif table == "ledgers":
            # The books' row is made with the workspace; the app moves its lock date only.
            op.execute(f"GRANT SELECT, INSERT ON ledgers TO {role}")
            op.execute(f"GRANT UPDATE (lock_date, updated_at) ON ledgers TO {role}")
        else:
            op.execute(f"GRANT SELECT, INSERT, DELETE ON {table} TO {role}")
            op.execute(app_update_grant_sql(table, app_role))
    for table in ("customers", "invoice_lines", "invoices", "payments"):
        op.execute(app_update_grant_sql(table, app_role))


def downgrade(app_role: str) -> None:
    for table in reversed(NEW_TABLES):
        op.execute(f'REVOKE ALL ON {table} FROM "{app_role}"')
    op.execute("ALTER TABLE payments DROP COLUMN reversed_on")
    op.execute(
        "ALTER TABLE invoices DROP CONSTRAINT ck_invoices_settled_within_total,"
        " DROP COLUMN amount_credited,"
        " ADD CONSTRAINT ck_invoices_paid_within_total"
        " CHECK (amount_paid >= 0 AND amount_paid <= total)"
    )
    op.execute("ALTER TABLE invoice_lines DROP COLUMN income_account_id")
    op.execute("ALTER TABLE customers DROP COLUMN income_account_id")
    for table in reversed(NEW_TABLES):
        op.execute(f"DROP TABLE {table}")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    for table in ("customers", "invoice_lines", "invoices", "payments"):
        op.execute(app_update_grant_sql(table, app_role))
