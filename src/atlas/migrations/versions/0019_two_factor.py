"""Two-factor sign-in: TOTP secrets and backup codes, sign-in challenges, how each
session was authenticated, and a workspace's "require two-factor" policy, enforced by the
guard's statement.

- `user_totp`: one per user, its secret sealed (AES-GCM, `atlas.identity.sealing`);
  `enabled_at` NULL while set-up waits for its first code. `last_used_step`, the time step
  of the last accepted code, only moves forward: a BEFORE UPDATE trigger refuses any
  other change of it (a check that writes nothing, so it may sit on a global table: on
  Citus it runs on each copy and refuses there alike), so a code is never accepted twice,
  whatever the code path. (A SECURITY DEFINER function that alone could write the step
  was tried first: on Citus its statements run over the owner's connections, and a
  transaction that also writes tables referencing `users` as the app role waits on
  itself, a distributed deadlock.)
- `backup_codes`: the SHA-256 of each single-use code, and when it was used.
- `sign_in_challenges`: the short-lived proof that the password step passed; no session
  exists until a code answers it. `attempts` counts the codes tried (at most 5).
- `sessions.authenticated_by` ('password', 'password+totp', 'password+backup_code',
  'passkey') and `sessions.authenticated_at`.
- `workspaces.require_two_factor`.
- `atlas_request_context` also returns `session_authenticated_by` and
  `two_factor_required`: true for a member whose session has no second factor in a
  workspace that requires one; the workspace is then not entered (`app.workspace_id`
  stays unset), and the guard answers 403 `two_factor_required`.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SIGNATURE = "atlas_request_context(bytea, uuid, text, integer, integer, text, inet)"
AUTHENTICATED_BY = "('password', 'password+totp', 'password+backup_code', 'passkey')"

REQUEST_CONTEXT_FUNCTION = r"""
CREATE FUNCTION atlas_request_context(
    p_token_hash bytea, p_session_id uuid, p_workspace text,
    p_ttl_seconds integer, p_refresh_seconds integer,
    p_request_id text, p_client_ip inet
) RETURNS TABLE (
    session_id uuid, user_id uuid, user_email text, user_name text,
    session_expires_at timestamptz, active_workspace_id uuid,
    workspace_id uuid, workspace_slug text, workspace_name text, member_role text,
    role_permissions text[], user_locale text, workspace_locale text, workspace_timezone text,
    session_authenticated_by text, two_factor_required boolean
) LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $fn$
DECLARE
    v_session_id uuid; v_user_id uuid; v_email text; v_name text; v_verified boolean;
    v_expires timestamptz; v_seen timestamptz; v_active uuid;
    v_ws uuid; v_slug text; v_ws_name text; v_role text; v_custom uuid; v_perms text[];
    v_user_locale text; v_ws_locale text; v_ws_zone text;
    v_by text; v_require boolean; v_refused boolean := false;
BEGIN
    IF p_token_hash IS NOT NULL THEN
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
        IF v_role IS NOT NULL AND NOT v_refused THEN
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
    session_authenticated_by := v_by; two_factor_required := v_refused;
    RETURN NEXT;
END
$fn$
"""

STEP_FORWARD_FUNCTION = r"""
CREATE FUNCTION atlas_totp_step_forward() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF OLD.last_used_step IS NOT NULL
       AND (NEW.last_used_step IS NULL OR NEW.last_used_step <= OLD.last_used_step) THEN
        RAISE EXCEPTION 'the last used time step of a TOTP secret only moves forward'
              USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$fn$
"""


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _user_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade(app_role: str) -> None:
    role = f'"{app_role}"'
    op.create_table(
        "user_totp",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        _created_at(),
        _user_key("user_totp"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_totp")),
    )
    op.execute(f"GRANT SELECT, INSERT, DELETE ON user_totp TO {role}")
    op.execute(f"GRANT UPDATE (secret, enabled_at, last_used_step) ON user_totp TO {role}")
    # A check that writes nothing: harmless on each node's copy of a reference table.
    op.execute(STEP_FORWARD_FUNCTION)
    op.execute(
        "CREATE TRIGGER step_forward BEFORE UPDATE OF last_used_step ON user_totp"
        " FOR EACH ROW EXECUTE FUNCTION atlas_totp_step_forward()"
    )

    op.create_table(
        "backup_codes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        _user_key("backup_codes"),
        sa.PrimaryKeyConstraint("user_id", "code_hash", name=op.f("pk_backup_codes")),
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON backup_codes TO {role}")

    op.create_table(
        "sign_in_challenges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ip_address", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        _created_at(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_sign_in_challenges_attempts")),
        _user_key("sign_in_challenges"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_challenges")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_challenges_token_hash")),
    )
    op.create_index("ix_sign_in_challenges_user_id", "sign_in_challenges", ["user_id"])
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_challenges TO {role}")

    # One subcommand a statement (Citus).
    op.execute("ALTER TABLE sessions ADD COLUMN authenticated_by text NOT NULL DEFAULT 'password'")
    op.execute(
        "ALTER TABLE sessions ADD CONSTRAINT ck_sessions_authenticated_by"
        f" CHECK (authenticated_by IN {AUTHENTICATED_BY})"
    )
    op.execute(
        "ALTER TABLE sessions ADD COLUMN authenticated_at timestamptz NOT NULL DEFAULT now()"
    )
    op.execute(
        "ALTER TABLE workspaces ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false"
    )
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute(REQUEST_CONTEXT_FUNCTION)


def downgrade(app_role: str) -> None:
    locales = importlib.import_module("atlas.migrations.versions.0017_locales")
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute(locales.REQUEST_CONTEXT_FUNCTION)
    op.execute("ALTER TABLE workspaces DROP COLUMN require_two_factor")
    op.execute("ALTER TABLE sessions DROP COLUMN authenticated_at")
    op.execute("ALTER TABLE sessions DROP COLUMN authenticated_by")
    op.drop_table("sign_in_challenges")
    op.drop_table("backup_codes")
    op.drop_table("user_totp")
    op.execute("DROP FUNCTION atlas_totp_step_forward()")
