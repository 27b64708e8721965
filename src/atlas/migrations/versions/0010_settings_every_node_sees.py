"""Tenant settings that every node sees, and an audit trail Citus can run.

- The policies compare with plain `current_setting` expressions instead of sub-selects,
  which Citus refuses in the policies of distributed tables.
- `atlas_request_context` sets the transaction's settings with `SET LOCAL` instead of
  `set_config(..., true)`: Citus carries SET LOCAL (not set_config) to every worker of the
  transaction, where row-level security and the audit trigger read them.
- The audit trail is written by `atlas_audit_record`; the trigger `atlas_audit` of every
  tenant table calls it on the row's own node (its event goes to the co-located shard of
  `audit_events`). The global `workspaces` table loses its trigger (a reference table's
  trigger fires on every copy, far from the workspace's shard): the workspaces
  repository records a workspace's change by calling `atlas_audit_record` in the same
  transaction (docs/adr/0006).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from alembic import op

from atlas.db.rls import (
    CURRENT_USER_ID,
    CURRENT_VERIFIED_EMAIL,
    CURRENT_WORKSPACE,
    POLICY,
    VISIBLE_POLICY,
    tenant_policy_sql,
)

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WIDENED = {
    "workspace_members": f"user_id = {CURRENT_USER_ID}",
    "invitations": f"lower(email) = {CURRENT_VERIFIED_EMAIL}",
}

TENANT_TABLES = f"SELECT tablename FROM pg_policies WHERE policyname = '{POLICY}' ORDER BY 1"

# As in 0005, but every setting is made with SET LOCAL (through EXECUTE: SET takes no
# parameters; %L quotes each value as a literal), in two EXECUTEs rather than one each.
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
    -- One EXECUTE for the settings known before the membership is read (its policy
    -- admits the caller's own rows by app.user_id): each EXECUTE is parsed and run apart.
    EXECUTE format('SET LOCAL app.user_id = %L; SET LOCAL app.user_email = %L;'
                   ' SET LOCAL app.verified_email = %L; SET LOCAL app.request_id = %L;'
                   ' SET LOCAL app.client_ip = %L',
                   v_user_id, lower(v_email),
                   CASE WHEN v_verified THEN lower(v_email) ELSE '' END,
                   coalesce(p_request_id, ''), coalesce(host(p_client_ip), ''));
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
            EXECUTE format('SET LOCAL app.workspace_id = %L', v_ws);
        END IF;
        IF v_custom IS NOT NULL THEN
            SELECT r.permissions INTO v_perms FROM workspace_roles r
             WHERE r.workspace_id = v_ws AND r.id = v_custom;
        END IF;
    END IF;
    -- The output row by assignment: RETURN QUERY would run one more query for it.
    session_id := v_session_id; user_id := v_user_id; user_email := v_email;
    user_name := v_name; session_expires_at := v_expires; active_workspace_id := v_active;
    workspace_id := v_ws; workspace_slug := v_slug; workspace_name := v_ws_name;
    member_role := v_role; role_permissions := v_perms;
    RETURN NEXT;
END
$fn$
"""

# One event per changed row, as 0003's trigger wrote it: `changes` maps each changed field
# to {"old", "new"} (creation: the non-null fields; deletion: every field), without the
# key, the timestamps and `ignored`; secrets redacted. No event for an update that changes
# nothing, nor for a row deleted with its workspace (the trail goes with the workspace).
AUDIT_RECORD_FUNCTION = r"""
CREATE FUNCTION atlas_audit_record(
    p_entity text, p_workspace_id uuid, p_old jsonb, p_new jsonb, p_ignored text[]
) RETURNS void LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $fn$
DECLARE
    v_row jsonb := coalesce(p_new, p_old); v_changes jsonb; v_verb text;
BEGIN
    v_verb := CASE WHEN p_old IS NULL THEN 'created'
                   WHEN p_new IS NULL THEN 'deleted' ELSE 'updated' END;
    IF v_verb = 'deleted'
       AND NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = p_workspace_id) THEN
        RETURN;
    END IF;
    SELECT coalesce(jsonb_object_agg(
               k.key,
               CASE WHEN k.key IN ('token_hash', 'password_hash')
                    THEN jsonb_build_object('old', '"[redacted]"'::jsonb,
                                            'new', '"[redacted]"'::jsonb)
                    ELSE jsonb_build_object('old', coalesce(p_old->k.key, 'null'::jsonb),
                                            'new', coalesce(p_new->k.key, 'null'::jsonb))
               END), '{}'::jsonb)
      INTO v_changes
      FROM jsonb_object_keys(v_row) AS k(key)
     WHERE k.key NOT IN ('id', 'workspace_id', 'created_at', 'updated_at')
       AND k.key <> ALL (coalesce(p_ignored, '{}'::text[]))
       AND (p_old->k.key) IS DISTINCT FROM (p_new->k.key)
       AND NOT (v_verb = 'created' AND p_new->k.key = 'null'::jsonb)
       AND NOT (v_verb = 'deleted' AND p_old->k.key = 'null'::jsonb);
    IF v_verb = 'updated' AND v_changes = '{}'::jsonb THEN
        RETURN;
    END IF;
    INSERT INTO audit_events (workspace_id, id, occurred_at, actor_user_id, actor_email,
                              action, entity_type, entity_id, changes, request_id, client_ip)
    VALUES (p_workspace_id, gen_random_uuid(), clock_timestamp(),
            nullif(current_setting('app.user_id', true), '')::uuid,
            nullif(current_setting('app.user_email', true), ''),
            p_entity || '.' || v_verb, p_entity, (v_row->>'id')::uuid, v_changes,
            nullif(current_setting('app.request_id', true), ''),
            nullif(current_setting('app.client_ip', true), '')::inet);
END
$fn$
"""

AUDIT_TRIGGER_FUNCTION = r"""
CREATE OR REPLACE FUNCTION atlas_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
DECLARE
    v_old jsonb; v_new jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        v_old := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        v_new := to_jsonb(NEW);
    END IF;
    PERFORM atlas_audit_record(TG_ARGV[0], (coalesce(v_new, v_old)->>'workspace_id')::uuid,
                               v_old, v_new, TG_ARGV[1:TG_NARGS]);
    RETURN NULL;
END
$fn$
"""


def _policies(widened: dict[str, str], wrap: Callable[[str], str]) -> None:
    for (table,) in op.get_bind().exec_driver_sql(TENANT_TABLES).all():
        op.execute(f"DROP POLICY {POLICY} ON {table}")
        op.execute(f"DROP POLICY IF EXISTS {VISIBLE_POLICY} ON {table}")
        for statement in tenant_policy_sql(table, widened.get(table)):
            if statement.startswith("CREATE POLICY"):
                op.execute(wrap(statement))


def upgrade(app_role: str) -> None:
    _policies(WIDENED, str)
    op.execute(REQUEST_CONTEXT_FUNCTION)
    op.execute(AUDIT_RECORD_FUNCTION)
    op.execute(f'GRANT EXECUTE ON FUNCTION atlas_audit_record TO "{app_role}"')
    op.execute(AUDIT_TRIGGER_FUNCTION)
    op.execute("DROP TRIGGER audit ON workspaces")


def _with_subselects(statement: str) -> str:
    for expression in (CURRENT_WORKSPACE, CURRENT_USER_ID, CURRENT_VERIFIED_EMAIL):
        statement = statement.replace(expression, f"(SELECT {expression})")
    return statement


def downgrade(app_role: str) -> None:
    roles_audit = importlib.import_module("atlas.migrations.versions.0003_custom_roles_audit")
    rows_stay = importlib.import_module(
        "atlas.migrations.versions.0005_rows_stay_in_their_workspace"
    )
    op.execute(
        "CREATE TRIGGER audit AFTER UPDATE ON workspaces "
        "FOR EACH ROW EXECUTE FUNCTION atlas_audit('workspace')"
    )
    op.execute(
        roles_audit.AUDIT_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    )
    op.execute("DROP FUNCTION atlas_audit_record")
    op.execute(rows_stay.REQUEST_CONTEXT_FUNCTION)
    _policies(WIDENED, _with_subselects)
