"""Rows stay in their workspace; invitations are seen by verified addresses only.

- `workspace_members` and `invitations` showed a user their own rows of other workspaces
  through the one policy of each table, for every command: an UPDATE could then move such
  a row into the current workspace, a DELETE remove it. The widening is now a policy of
  its own, FOR SELECT only; every other command admits the current workspace alone.
- `workspace_id` is immutable for the app role on every tenant table: its table-wide
  UPDATE grant becomes a grant on every other column.
- `atlas_request_context` sets `app.verified_email` only for an account whose address is
  verified, and the invitations policy widens by that setting: an account that signed up
  with an invited address it does not control sees no invitation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from atlas.db.rls import (
    CURRENT_USER_EMAIL,
    CURRENT_USER_ID,
    CURRENT_VERIFIED_EMAIL,
    CURRENT_WORKSPACE,
    POLICY,
    VISIBLE_POLICY,
    app_update_grant_sql,
    tenant_policy_sql,
)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WIDENED = {
    "workspace_members": f"user_id = {CURRENT_USER_ID}",
    "invitations": f"lower(email) = {CURRENT_VERIFIED_EMAIL}",
}
OLD_WIDENED = {
    "workspace_members": f"user_id = {CURRENT_USER_ID}",
    "invitations": f"lower(email) = {CURRENT_USER_EMAIL}",
}

# Tenant tables whose app role may UPDATE every column (before `upgrade`; the audit trail
# is append-only) or only some (after it).
TENANT_TABLES_UPDATABLE = """
SELECT c.relname::text AS name
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
   AND a.attname = 'workspace_id' AND a.attnotnull
   AND has_any_column_privilege(:role, c.oid, 'UPDATE')
   AND has_table_privilege(:role, c.oid, 'UPDATE') = :table_wide
 ORDER BY 1
"""


def _tenant_tables_updatable(app_role: str, table_wide: bool) -> list[str]:
    rows = op.get_bind().execute(
        sa.text(TENANT_TABLES_UPDATABLE), {"role": app_role, "table_wide": table_wide}
    )
    return [name for (name,) in rows.all()]


# As in 0003, plus `app.verified_email`: the account's address, only once it is verified.
REQUEST_CONTEXT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION atlas_request_context(
    p_token_hash bytea, p_session_id uuid, p_workspace text,
    p_ttl_seconds integer, p_refresh_seconds integer,
    p_request_id text, p_client_ip inet
) RETURNS TABLE (
    session_id uuid, user_id uuid, user_email text, user_name text,
    session_expires_at timestamptz, active_workspace_id uuid,
    workspace_id uuid, workspace_slug text, workspace_name text, member_role text,
    role_permissions text[]
) LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $fn$
DECLARE
    v_session_id uuid; v_user_id uuid; v_email text; v_name text; v_verified boolean;
    v_expires timestamptz; v_seen timestamptz; v_active uuid;
    v_ws uuid; v_slug text; v_ws_name text; v_role text; v_custom uuid; v_perms text[];
BEGIN
    IF p_token_hash IS NOT NULL THEN
        SELECT s.id, s.user_id, s.expires_at, s.last_seen_at, s.active_workspace_id,
               u.email, u.name, u.email_verified
          INTO v_session_id, v_user_id, v_expires, v_seen, v_active, v_email, v_name, v_verified
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = p_token_hash AND s.expires_at > now();
    ELSE
        SELECT s.id, s.user_id, s.expires_at, s.last_seen_at, s.active_workspace_id,
               u.email, u.name, u.email_verified
          INTO v_session_id, v_user_id, v_expires, v_seen, v_active, v_email, v_name, v_verified
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = p_session_id AND s.expires_at > now();
    END IF;
    IF v_session_id IS NULL THEN
        RETURN;
    END IF;
    IF v_seen < now() - make_interval(secs => p_refresh_seconds) THEN
        UPDATE sessions SET last_seen_at = now(),
               expires_at = now() + make_interval(secs => p_ttl_seconds)
         WHERE id = v_session_id
        RETURNING expires_at INTO v_expires;
    END IF;
    PERFORM set_config('app.user_id', v_user_id::text, true),
            set_config('app.user_email', lower(v_email), true),
            set_config('app.verified_email', CASE WHEN v_verified THEN lower(v_email) ELSE '' END,
                       true),
            set_config('app.request_id', coalesce(p_request_id, ''), true),
            set_config('app.client_ip', coalesce(host(p_client_ip), ''), true);
    IF p_workspace IS NOT NULL THEN
        IF p_workspace ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            SELECT w.id, w.slug, w.name INTO v_ws, v_slug, v_ws_name
              FROM workspaces w WHERE w.id = p_workspace::uuid;
        ELSE
            SELECT w.id, w.slug, w.name INTO v_ws, v_slug, v_ws_name
              FROM workspaces w WHERE w.slug = p_workspace;
        END IF;
    ELSIF v_active IS NOT NULL THEN
        SELECT w.id, w.slug, w.name INTO v_ws, v_slug, v_ws_name
          FROM workspaces w WHERE w.id = v_active;
    END IF;
    IF v_ws IS NOT NULL THEN
        SELECT m.role, m.custom_role_id INTO v_role, v_custom FROM workspace_members m
         WHERE m.workspace_id = v_ws AND m.user_id = v_user_id;
        IF v_role IS NOT NULL THEN
            PERFORM set_config('app.workspace_id', v_ws::text, true);
        END IF;
        IF v_custom IS NOT NULL THEN
            SELECT r.permissions INTO v_perms FROM workspace_roles r
             WHERE r.workspace_id = v_ws AND r.id = v_custom;
        END IF;
    END IF;
    RETURN QUERY SELECT v_session_id, v_user_id, v_email, v_name, v_expires, v_active,
                        v_ws, v_slug, v_ws_name, v_role, v_perms;
END
$fn$
"""


def _replace_policies(widened: dict[str, str]) -> None:
    for table, condition in widened.items():
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"DROP POLICY IF EXISTS {VISIBLE_POLICY} ON {table}")
        for statement in tenant_policy_sql(table, condition):
            op.execute(statement)


def upgrade(app_role: str) -> None:
    _replace_policies(WIDENED)
    for table in _tenant_tables_updatable(app_role, table_wide=True):
        op.execute(app_update_grant_sql(table, app_role))
    op.execute(REQUEST_CONTEXT_FUNCTION)


def downgrade(app_role: str) -> None:
    roles_audit = importlib.import_module("atlas.migrations.versions.0003_custom_roles_audit")
    op.execute(
        roles_audit.REQUEST_CONTEXT_FUNCTION.replace(
            "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
        )
    )
    for table in _tenant_tables_updatable(app_role, table_wide=False):
        op.execute(f'GRANT UPDATE ON {table} TO "{app_role}"')
    own = f"workspace_id = {CURRENT_WORKSPACE}"
    for table, condition in OLD_WIDENED.items():
        op.execute(f"DROP POLICY {VISIBLE_POLICY} ON {table}")
        op.execute(f"DROP POLICY {POLICY} ON {table}")
        op.execute(
            f"CREATE POLICY {POLICY} ON {table} USING ({own} OR {condition}) WITH CHECK ({own})"
        )
