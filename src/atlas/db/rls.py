"""The tenant wall: the SQL that migrations use to put a table behind it, and the one
statement that lets a transaction in."""

from __future__ import annotations

import uuid

import asyncpg

from atlas.db.sql import quote_ident

# The transaction's settings, set by the guard with SET LOCAL (which Citus carries to the
# workers). Plain expressions, not sub-selects: Citus refuses sub-selects in the policies of
# distributed tables, and `current_setting` is STABLE, so an index scan still takes the
# value once as its key (docs/scaling.md, "Policies without sub-selects").
CURRENT_WORKSPACE = "nullif(current_setting('app.workspace_id', true), '')::uuid"
CURRENT_USER_ID = "nullif(current_setting('app.user_id', true), '')::uuid"
CURRENT_USER_EMAIL = "nullif(current_setting('app.user_email', true), '')"
# Set by the guard only for an account whose email address is verified.
CURRENT_VERIFIED_EMAIL = "nullif(current_setting('app.verified_email', true), '')"
POLICY = "tenant_isolation"
VISIBLE_POLICY = "visible_to_user"


def tenant_policy_sql(table: str, also_visible_when: str | None = None) -> list[str]:
    """ENABLE + FORCE row-level security and the policies of a tenant table.

    One policy for every command admits the current workspace only. `also_visible_when`
    adds a second policy for SELECT alone (a user's own rows in other workspaces): UPDATE
    and DELETE never reach past the current workspace.
    """
    own = f"workspace_id = {CURRENT_WORKSPACE}"
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {table} USING ({own}) WITH CHECK ({own})",
    ]
    if also_visible_when is not None:
        statements.append(
            f"CREATE POLICY {VISIBLE_POLICY} ON {table} FOR SELECT USING ({also_visible_when})"
        )
    return statements


def app_update_grant_sql(table: str, app_role: str) -> str:
    """The app role may UPDATE every column of `table` but `workspace_id` (no row ever
    changes workspace) and the generated ones (which no one writes). Run it again after
    adding columns (the grant is per column)."""
    role = quote_ident(app_role)
    return f"""
DO $grant$
DECLARE v_columns text;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_columns
      FROM pg_attribute a
     WHERE a.attrelid = '{table}'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname <> 'workspace_id' AND a.attgenerated = '';
    REVOKE UPDATE ON {table} FROM {role};
    EXECUTE format('GRANT UPDATE (%s) ON {table} TO {role}', v_columns);
END
$grant$
"""


async def enter_workspace(db: asyncpg.Connection, workspace_id: uuid.UUID) -> None:
    """Makes `workspace_id` the transaction's tenant, only once the right to it is checked.

    SET LOCAL, as the guard does, so that Citus carries it to every worker of the
    transaction (SET takes no parameters: the value is a UUID's own text)."""
    await db.execute(f"SET LOCAL app.workspace_id = '{uuid.UUID(str(workspace_id))}'")
