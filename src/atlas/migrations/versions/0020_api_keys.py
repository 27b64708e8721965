"""Workspace API keys: a tenant table, and the guard's statement resolving a key.

- `api_keys`: per workspace, keyed (workspace_id, id) like every tenant row; what the key
  may do is exactly one of a built-in `role`, a `custom_role_id` (its permissions as they
  are at each request; deleting the role deletes its keys) or an explicit `permissions`
  set; `token_hash` is the SHA-256 of its secret; it expires within a year of its
  creation. The app role may UPDATE only `revoked_at` and `last_used_at`: a key's rights
  and secret never change. Audited; the secret's hash and `last_used_at` are left out.
- Row-level security: the workspace's rows, and for SELECT also the one row whose id the
  transaction names in `app.api_key_id` (so the guard's statement can read a key before
  it knows that the key may enter).
- `atlas_request_context` takes `p_api_key_id`: with it, `p_token_hash` is the key's
  secret's hash and `p_workspace` the key's workspace. A revoked or expired key, a wrong
  secret, or a creator who is no longer a member gives no row. It also returns the key's
  id, its `key_role` and `key_permissions` (the custom role's, or the explicit set); the
  guard intersects them with the creator's current permissions. `last_used_at` is
  written at most once a minute.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from atlas.db.rls import tenant_policy_sql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OLD_SIGNATURE = "atlas_request_context(bytea, uuid, text, integer, integer, text, inet)"
SIGNATURE = "atlas_request_context(bytea, uuid, text, integer, integer, text, inet, uuid)"
BUILTIN_ROLES = "('owner', 'admin', 'member', 'viewer')"
VISIBLE_TO_KEY = "id = nullif(current_setting('app.api_key_id', true), '')::uuid"

REQUEST_CONTEXT_FUNCTION = r"""
CREATE FUNCTION atlas_request_context(
    p_token_hash bytea, p_session_id uuid, p_workspace text,
    p_ttl_seconds integer, p_refresh_seconds integer,
    p_request_id text, p_client_ip inet, p_api_key_id uuid
) RETURNS TABLE (
    session_id uuid, user_id uuid, user_email text, user_name text,
    session_expires_at timestamptz, active_workspace_id uuid,
    workspace_id uuid, workspace_slug text, workspace_name text, member_role text,
    role_permissions text[], user_locale text, workspace_locale text, workspace_timezone text,
    session_authenticated_by text, two_factor_required boolean,
    api_key_id uuid, key_role text, key_permissions text[]
) LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $fn$
DECLARE
    v_session_id uuid; v_user_id uuid; v_email text; v_name text; v_verified boolean;
    v_expires timestamptz; v_seen timestamptz; v_active uuid;
    v_ws uuid; v_slug text; v_ws_name text; v_role text; v_custom uuid; v_perms text[];
    v_user_locale text; v_ws_locale text; v_ws_zone text;
    v_by text; v_require boolean; v_refused boolean := false;
    v_key_role text; v_key_custom uuid; v_key_perms text[]; v_key_seen timestamptz;
BEGIN
    IF p_api_key_id IS NOT NULL THEN
        -- A workspace API key: its row is visible by its id alone (api_keys'
        -- visible_to_key policy), read by its primary key (one shard on Citus).
        EXECUTE format('SET LOCAL app.api_key_id = %L', p_api_key_id);
        SELECT k.created_by, k.role, k.custom_role_id, k.permissions, k.last_used_at,
               k.expires_at, u.email, u.name, u.email_verified, u.locale
          INTO v_user_id, v_key_role, v_key_custom, v_key_perms, v_key_seen,
               v_expires, v_email, v_name, v_verified, v_user_locale
          FROM api_keys k JOIN users u ON u.id = k.created_by
         WHERE k.workspace_id = p_workspace::uuid AND k.id = p_api_key_id
           AND k.token_hash = p_token_hash AND k.revoked_at IS NULL AND k.expires_at > now();
        IF v_user_id IS NULL THEN
            RETURN;
        END IF;
        v_session_id := p_api_key_id; v_seen := now(); v_by := 'api_key';
    ELSIF p_token_hash IS NOT NULL THEN
        SELECT s.id, s.user_id, s.expires_at, s.last_seen_at, s.active_workspace_id,
               u.email, u.name, u.email_verified, u.locale, s.authenticated_by
          INTO v_session_id, v_user_id, v_expires, v_seen, v_active, v_email, v_name, v_verified,
               v_user_locale, v_by
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = p_token_hash AND s.expires_at > now();
    ELSE
        SELECT s.id, s.user_id, s.expires_at, s.last_seen_at, s.active_workspace_id,
               u.email, u.name, u.email_verified, u.locale, s.authenticated_by
          INTO v_session_id, v_user_id, v_expires, v_seen, v_active, v_email, v_name, v_verified,
               v_user_locale, v_by
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = p_session_id AND s.expires_at > now();
    END IF;
    IF v_session_id IS NULL THEN
        RETURN;
    END IF;
    IF p_api_key_id IS NULL AND v_seen < now() - make_interval(secs => p_refresh_seconds) THEN
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
            SELECT w.id, w.slug, w.name, w.locale, w.timezone, w.require_two_factor
              INTO v_ws, v_slug, v_ws_name, v_ws_locale, v_ws_zone, v_require
              FROM workspaces w WHERE w.id = p_workspace::uuid;
        ELSE
            SELECT w.id, w.slug, w.name, w.locale, w.timezone, w.require_two_factor
              INTO v_ws, v_slug, v_ws_name, v_ws_locale, v_ws_zone, v_require
              FROM workspaces w WHERE w.slug = p_workspace;
        END IF;
    ELSIF v_active IS NOT NULL THEN
        SELECT w.id, w.slug, w.name, w.locale, w.timezone, w.require_two_factor
          INTO v_ws, v_slug, v_ws_name, v_ws_locale, v_ws_zone, v_require
          FROM workspaces w WHERE w.id = v_active;
    END IF;
    IF v_ws IS NOT NULL THEN
        SELECT m.role, m.custom_role_id INTO v_role, v_custom FROM workspace_members m
         WHERE m.workspace_id = v_ws AND m.user_id = v_user_id;
        -- A member whose session has no second factor, in a workspace that requires
        -- one, is refused here: the workspace is never entered, so no row of it is seen.
        v_refused := v_role IS NOT NULL AND v_require AND v_by = 'password';
        IF p_api_key_id IS NOT NULL AND v_role IS NULL THEN
            RETURN;  -- the key's creator is no longer a member: the key acts no more
        END IF;
        IF v_role IS NOT NULL AND NOT v_refused THEN
            EXECUTE format('SET LOCAL app.workspace_id = %L', v_ws);
        END IF;
        IF p_api_key_id IS NOT NULL THEN
            IF v_key_custom IS NOT NULL THEN
                SELECT r.permissions INTO v_key_perms FROM workspace_roles r
                 WHERE r.workspace_id = v_ws AND r.id = v_key_custom;
            END IF;
            -- Last used: written at most once a minute.
            IF v_key_seen IS NULL OR v_key_seen < now() - interval '1 minute' THEN
                UPDATE api_keys AS k SET last_used_at = now()
                 WHERE k.workspace_id = v_ws AND k.id = p_api_key_id;
            END IF;
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
    member_role := v_role; role_permissions := v_perms; user_locale := v_user_locale;
    workspace_locale := v_ws_locale; workspace_timezone := v_ws_zone;
    session_authenticated_by := v_by; two_factor_required := v_refused;
    api_key_id := p_api_key_id; key_role := v_key_role; key_permissions := v_key_perms;
    RETURN NEXT;
END
$fn$
"""


def upgrade(app_role: str) -> None:
    role = f'"{app_role}"'
    # `op.create_table`: on a distributed schema it is distributed with its keys.
    op.create_table(
        "api_keys",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("custom_role_id", sa.Uuid(), nullable=True),
        sa.Column("permissions", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_api_keys")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_api_keys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_api_keys_created_by_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "custom_role_id"],
            ["workspace_roles.workspace_id", "workspace_roles.id"],
            name=op.f("fk_api_keys_workspace_id_workspace_roles"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "num_nonnulls(role, custom_role_id, permissions) = 1", name=op.f("ck_api_keys_grant")
        ),
        sa.CheckConstraint(f"role IN {BUILTIN_ROLES}", name=op.f("ck_api_keys_role")),
        sa.CheckConstraint(
            "expires_at > created_at AND expires_at <= created_at + interval '1 year'",
            name=op.f("ck_api_keys_expiry"),
        ),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 100", name=op.f("ck_api_keys_name")),
    )
    op.create_index(
        "ix_api_keys_workspace_id_created_at", "api_keys", ["workspace_id", "created_at"]
    )
    for statement in tenant_policy_sql("api_keys", VISIBLE_TO_KEY):
        op.execute(statement)
    op.execute(
        "CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON api_keys"
        " FOR EACH ROW EXECUTE FUNCTION atlas_audit('api_key', 'token_hash', 'last_used_at')"
    )
    op.execute(f"GRANT SELECT, INSERT, DELETE ON api_keys TO {role}")
    op.execute(f"GRANT UPDATE (revoked_at, last_used_at) ON api_keys TO {role}")
    op.execute(f"DROP FUNCTION {OLD_SIGNATURE}")
    op.execute(REQUEST_CONTEXT_FUNCTION)


def downgrade(app_role: str) -> None:
    two_factor = importlib.import_module("atlas.migrations.versions.0019_two_factor")
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute(two_factor.REQUEST_CONTEXT_FUNCTION)
    op.drop_table("api_keys")
