"""The global search's documents, stored and indexed.

- `btree_gin` (a trusted extension: the owner role creates it, no superuser needed).
- `search_document tsvector GENERATED ALWAYS AS (…) STORED` on each searched table, the
  `SearchDocument` of its `tables.py` as it is in this revision (a test compares the
  database's expression with the one the code now makes).
- A GIN index on (workspace_id, search_document) on each: under forced row-level security
  only the leakproof workspace condition can be its key, and the stored words are then
  matched per row without being computed (docs/adr/0010).
- The audit triggers of the six tables leave the column out of the trail: it only
  restates the row's own fields.
- No grant: the app role's UPDATE grant names the columns it had (a generated column
  cannot be written), and `app_update_grant_sql` leaves generated columns out.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COLUMN = "search_document"

# `SearchDocument.sql()` of each table as of this revision: a later change of the words
# a table is found by changes its column in a migration of its own.
DOCUMENTS = {
    "projects": (
        "setweight(to_tsvector('simple', translate((coalesce(code, '') || ' ')"
        " || coalesce(name, ''), '-.@/_+', '      ')), 'A')"
    ),
    "tasks": (
        "setweight(to_tsvector('simple', translate(coalesce(title, ''), '-.@/_+', '      ')), 'A')"
    ),
    "customers": (
        "setweight(to_tsvector('simple', translate(coalesce(name, ''), '-.@/_+', '      ')), 'A')"
        " || setweight(to_tsvector('simple', translate(coalesce(email, ''), '-.@/_+', '      ')),"
        " 'B')"
    ),
    "invoices": (
        "setweight(to_tsvector('simple', translate(coalesce(number, ''), '-.@/_+', '      ')), 'A')"
    ),
    "employees": (
        "setweight(to_tsvector('simple', translate((coalesce(first_name, '') || ' ')"
        " || coalesce(last_name, ''), '-.@/_+', '      ')), 'A')"
        " || setweight(to_tsvector('simple', translate(coalesce(work_email, ''), '-.@/_+',"
        " '      ')), 'B')"
    ),
    "departments": (
        "setweight(to_tsvector('simple', translate((coalesce(code, '') || ' ')"
        " || coalesce(name, ''), '-.@/_+', '      ')), 'A')"
    ),
}

# Each table's audit trigger arguments (0003): its entity type, then the fields the trail
# leaves out.
AUDIT_ARGUMENTS = {
    "projects": ("project", "last_task_number"),
    "tasks": ("task",),
    "customers": ("customer",),
    "invoices": ("invoice",),
    "employees": ("employee",),
    "departments": ("department",),
}

# Drops btree_gin only when this role owns it and nothing but the dropped indexes used it
# (an extension a DBA installed, or that another index uses, stays).
DROP_UNUSED_BTREE_GIN = """
DO $drop$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension x
                WHERE x.extname = 'btree_gin' AND pg_get_userbyid(x.extowner) = current_user)
       AND NOT EXISTS (
           SELECT 1 FROM pg_depend member
             JOIN pg_extension x ON x.oid = member.refobjid AND x.extname = 'btree_gin'
             JOIN pg_depend user_of ON user_of.refclassid = member.classid
                                   AND user_of.refobjid = member.objid
            WHERE member.deptype = 'e' AND user_of.classid = 'pg_class'::regclass) THEN
        DROP EXTENSION btree_gin;
    END IF;
END
$drop$
"""


def _audit_trigger_sql(table: str, *left_out: str) -> str:
    args = ", ".join(f"'{arg}'" for arg in (*AUDIT_ARGUMENTS[table], *left_out))
    return (
        f"CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION atlas_audit({args})"
    )


def upgrade(app_role: str) -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for table, expression in DOCUMENTS.items():
        # One subcommand a statement (Citus).
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {COLUMN} tsvector"
            f" GENERATED ALWAYS AS ({expression}) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (workspace_id, {COLUMN})")
        op.execute(f"DROP TRIGGER audit ON {table}")
        op.execute(_audit_trigger_sql(table, COLUMN))


def downgrade(app_role: str) -> None:
    for table in reversed(DOCUMENTS):
        op.execute(f"DROP TRIGGER audit ON {table}")
        op.execute(_audit_trigger_sql(table))
        op.execute(f"DROP INDEX ix_{table}_search")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {COLUMN}")
    op.execute(DROP_UNUSED_BTREE_GIN)
