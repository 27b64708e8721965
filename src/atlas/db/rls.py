"""SQL that migrations use to put a table behind the tenant wall."""

from __future__ import annotations

CURRENT_WORKSPACE = "(SELECT nullif(current_setting('app.workspace_id', true), '')::uuid)"
CURRENT_USER_ID = "(SELECT nullif(current_setting('app.user_id', true), '')::uuid)"
CURRENT_USER_EMAIL = "(SELECT nullif(current_setting('app.user_email', true), ''))"
POLICY = "tenant_isolation"


def tenant_policy_sql(table: str, also_visible_when: str | None = None) -> list[str]:
    """ENABLE + FORCE row-level security and the one policy of a tenant table.

    `also_visible_when` widens USING only (reads, and which rows UPDATE/DELETE may
    target); WITH CHECK always demands the current workspace.
    """
    own = f"workspace_id = {CURRENT_WORKSPACE}"
    using = own if also_visible_when is None else f"{own} OR {also_visible_when}"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {table} USING ({using}) WITH CHECK ({own})",
    ]
