"""Locales: the one a user prefers (none: the workspace's) and the workspace's default,
in which pages show dates and numbers; the guard's statement reads them, with the
workspace's time zone, so a page needs no query of its own for them.

- `users.locale` (NULL: no preference) and `workspaces.locale` ('en-US'), each checked
  against the set of `atlas.locales.Locale` as it is in this revision.
- `atlas_request_context` also returns `user_locale`, `workspace_locale` and
  `workspace_timezone` (the rest as in 0010; a new output column needs DROP and CREATE).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# The set as of this revision: a locale added later widens these in its own migration.
LOCALES = "'en-US', 'en-GB', 'de-DE', 'fr-FR'"
SIGNATURE = "atlas_request_context(bytea, uuid, text, integer, integer, text, inet)"

REQUEST_CONTEXT_FUNCTION = r"""
CREATE FUNCTION atlas_request_context(
    p_token_hash bytea, p_session_id uuid, p_workspace text,
    p_ttl_seconds integer, p_refresh_seconds integer,
    p_request_id text, p_client_ip inet
) RETURNS TABLE (
    session_id uuid, user_id uuid, user_email text, user_name text,
    session_expires_at timestamptz, active_workspace_id uuid,
    workspace_id uuid, workspace_slug text, workspace_name text, member_role text,
    role_permissions text[], user_locale text, workspace_locale text, workspace_timezone text
) LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $fn$
DECLARE
    v_session_id uuid; v_user_id uuid; v_email text; v_name text; v_verified boolean;
    v_expires timestamptz; v_seen timestamptz; v_active uuid;
    v_ws uuid; v_slug text; v_ws_name text; v_role text; v_custom uuid; v_perms text[];
    v_user_locale text; v_ws_locale text; v_ws_zone text;
BEGIN
    IF p_token_hash IS NOT NULL THEN
        SELECT s.id, s.user_id, s.expires_at, s.last_seen_at, s.active_workspace_id,
               u.email, u.name, u.email_verified, u.locale
          INTO v_session_id, v_user_id, v_expires, v_seen, v_active, v_email, v_name, v_verified,
               v_user_locale
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = p_token_hash AND s.expires_at > now();
    ELSE
        SELECT s.id, s.user_id, s.expires_at, s.last_seen_at, s.active_workspace_id,
               u.email, u.name, u.email_verified, u.locale
          INTO v_session_id, v_user_id, v_expires, v_seen, v_active, v_email, v_name, v_verified,
               v_user_locale
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
            SELECT w.id, w.slug, w.name, w.locale, w.timezone
              INTO v_ws, v_slug, v_ws_name, v_ws_locale, v_ws_zone
              FROM workspaces w WHERE w.id = p_workspace::uuid;
        ELSE
            SELECT w.id, w.slug, w.name, w.locale, w.timezone
              INTO v_ws, v_slug, v_ws_name, v_ws_locale, v_ws_zone
              FROM workspaces w WHERE w.slug = p_workspace;
        END IF;
    ELSIF v_active IS NOT NULL THEN
        SELECT w.id, w.slug, w.name, w.locale, w.timezone
          INTO v_ws, v_slug, v_ws_name, v_ws_locale, v_ws_zone
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
    member_role := v_role; role_permissions := v_perms; user_locale := v_user_locale;
    workspace_locale := v_ws_locale; workspace_timezone := v_ws_zone;
    RETURN NEXT;
END
$fn$
"""


def upgrade(app_role: str) -> None:
    # One subcommand a statement (Citus).
    op.execute("ALTER TABLE users ADD COLUMN locale text")
    op.execute(f"ALTER TABLE users ADD CONSTRAINT ck_users_locale CHECK (locale IN ({LOCALES}))")
    op.execute("ALTER TABLE workspaces ADD COLUMN locale text NOT NULL DEFAULT 'en-US'")
    op.execute(
        f"ALTER TABLE workspaces ADD CONSTRAINT ck_workspaces_locale CHECK (locale IN ({LOCALES}))"
    )
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute(REQUEST_CONTEXT_FUNCTION)


def downgrade(app_role: str) -> None:
    settings = importlib.import_module("atlas.migrations.versions.0010_settings_every_node_sees")
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute(settings.REQUEST_CONTEXT_FUNCTION)
    op.execute("ALTER TABLE workspaces DROP COLUMN locale")
    op.execute("ALTER TABLE users DROP COLUMN locale")
