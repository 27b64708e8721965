"""Custom roles and the audit trail.

- `workspace_roles`: a workspace's own roles, made of `resource:action` permissions.
  Members and invitations name a built-in role, or a custom one through
  `(workspace_id, custom_role_id, role)`, so renaming a role renames it everywhere.
- `atlas_request_context` also returns a custom role's permissions and records the
  request's id and client address for the audit trail (still one round trip).
- `audit_events`: written by the trigger `atlas_audit` on every business and membership
  table, in the transaction of the change. The app role may only SELECT and INSERT.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from atlas.db.rls import tenant_policy_sql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BUILTIN_ROLES = "('owner', 'admin', 'member', 'viewer')"
ROLE_CHECK = f"(custom_role_id IS NULL) = (role IN {BUILTIN_ROLES})"
OLD_ROLE_CHECK = f"role IN {BUILTIN_ROLES}"

# Table -> the entity type its audit events name. `workspaces` is audited for updates
# only: its creation shows as the owner's membership, its deletion takes the trail along.
# Bookkeeping columns that change as a side effect (a project's task counter) are
# passed to the trigger as further arguments and left out of the events.
IGNORED = {"projects": ("last_task_number",)}
AUDITED = {
    "workspace_members": "member",
    "invitations": "invitation",
    "workspace_roles": "role",
    "projects": "project",
    "tasks": "task",
    "time_entries": "time_entry",
    "departments": "department",
    "employees": "employee",
    "leave_types": "leave_type",
    "leave_requests": "leave_request",
    "customers": "customer",
    "invoices": "invoice",
    "invoice_lines": "invoice_line",
    "payments": "payment",
}

# One event per changed row. `changes` maps each changed field to {"old", "new"}
# (creation: the non-null fields; deletion: every field), without the key and the
# timestamps. Secrets never reach the trail. Rows deleted with their workspace leave no
# event: the trail goes with the workspace.
AUDIT_FUNCTION = r"""
CREATE FUNCTION atlas_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
DECLARE
    v_old jsonb; v_new jsonb; v_row jsonb; v_changes jsonb; v_ws uuid; v_verb text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        v_new := to_jsonb(NEW); v_row := v_new; v_verb := 'created';
    ELSIF TG_OP = 'UPDATE' THEN
        v_old := to_jsonb(OLD); v_new := to_jsonb(NEW); v_row := v_new; v_verb := 'updated';
    ELSE
        v_old := to_jsonb(OLD); v_row := v_old; v_verb := 'deleted';
    END IF;
    v_ws := CASE WHEN TG_TABLE_NAME = 'workspaces' THEN (v_row->>'id')::uuid
                 ELSE (v_row->>'workspace_id')::uuid END;
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = v_ws) THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(jsonb_object_agg(
               k.key,
               CASE WHEN k.key IN ('token_hash', 'password_hash')
                    THEN jsonb_build_object('old', '"[redacted]"'::jsonb,
                                            'new', '"[redacted]"'::jsonb)
                    ELSE jsonb_build_object('old', coalesce(v_old->k.key, 'null'::jsonb),
                                            'new', coalesce(v_new->k.key, 'null'::jsonb))
               END), '{}'::jsonb)
      INTO v_changes
      FROM jsonb_object_keys(v_row) AS k(key)
     WHERE k.key NOT IN ('id', 'workspace_id', 'created_at', 'updated_at')
       AND k.key <> ALL (coalesce(TG_ARGV[1:TG_NARGS], '{}'::text[]))
       AND (v_old->k.key) IS DISTINCT FROM (v_new->k.key)
       AND NOT (TG_OP = 'INSERT' AND v_new->k.key = 'null'::jsonb)
       AND NOT (TG_OP = 'DELETE' AND v_old->k.key = 'null'::jsonb);
    IF TG_OP = 'UPDATE' AND v_changes = '{}'::jsonb THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_events (workspace_id, id, occurred_at, actor_user_id, actor_email,
                              action, entity_type, entity_id, changes, request_id, client_ip)
    VALUES (v_ws, gen_random_uuid(), clock_timestamp(),
            nullif(current_setting('app.user_id', true), '')::uuid,
            nullif(current_setting('app.user_email', true), ''),
            TG_ARGV[0] || '.' || v_verb, TG_ARGV[0], (v_row->>'id')::uuid, v_changes,
            nullif(current_setting('app.request_id', true), ''),
            nullif(current_setting('app.client_ip', true), '')::inet);
    RETURN NULL;
END
$fn$
"""

# As in 0001, plus: the request's id and client address are set for the audit trail,
# and the member's custom role (if any) is read once the tenant context allows it.
REQUEST_CONTEXT_FUNCTION = r"""
CREATE FUNCTION atlas_request_context(
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
    v_session_id uuid; v_user_id uuid; v_email text; v_name text;
    v_expires timestamptz; v_seen timestamptz; v_active uuid;
    v_ws uuid; v_slug text; v_ws_name text; v_role text; v_custom uuid; v_perms text[];
BEGIN
    IF p_token_hash IS NOT NULL THEN
        SELECT s.id, s.user_id, s.expires_at, s.last_seen_at, s.active_workspace_id, u.email, u.name
          INTO v_session_id, v_user_id, v_expires, v_seen, v_active, v_email, v_name
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = p_token_hash AND s.expires_at > now();
    ELSE
        SELECT s.id, s.user_id, s.expires_at, s.last_seen_at, s.active_workspace_id, u.email, u.name
          INTO v_session_id, v_user_id, v_expires, v_seen, v_active, v_email, v_name
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


def _audit_trigger_sql(table: str, entity_type: str, events: str) -> str:
    args = ", ".join(f"'{arg}'" for arg in (entity_type, *IGNORED.get(table, ())))
    return (
        f"CREATE TRIGGER audit AFTER {events} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION atlas_audit({args})"
    )


def upgrade(app_role: str) -> None:
    op.create_table(
        "workspace_roles",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("permissions", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            f"name NOT IN {BUILTIN_ROLES}", name=op.f("ck_workspace_roles_not_builtin")
        ),
        sa.CheckConstraint(
            "name ~ '^[a-z][a-z0-9]*(-[a-z0-9]+)*$'", name=op.f("ck_workspace_roles_name_format")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_roles_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_workspace_roles")),
        sa.UniqueConstraint(
            "workspace_id", "id", "name", name=op.f("uq_workspace_roles_workspace_id_id_name")
        ),
        sa.UniqueConstraint(
            "workspace_id", "name", name=op.f("uq_workspace_roles_workspace_id_name")
        ),
        info={"tenant": True},
    )
    for table, on_delete in (("workspace_members", None), ("invitations", "CASCADE")):
        op.add_column(table, sa.Column("custom_role_id", sa.Uuid(), nullable=True))
        op.create_index(
            f"ix_{table}_workspace_id_custom_role_id", table, ["workspace_id", "custom_role_id"]
        )
        op.create_foreign_key(
            f"fk_{table}_custom_role",
            table,
            "workspace_roles",
            ["workspace_id", "custom_role_id", "role"],
            ["workspace_id", "id", "name"],
            onupdate="CASCADE",
            ondelete=on_delete,
        )
        op.drop_constraint(op.f(f"ck_{table}_role"), table, type_="check")
        op.create_check_constraint(op.f(f"ck_{table}_role"), table, ROLE_CHECK)

    op.create_table(
        "audit_events",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_email", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("client_ip", postgresql.INET(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_audit_events_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_audit_events")),
        info={"tenant": True},
    )
    for columns in (("actor_user_id",), ("entity_id",), ("occurred_at",)):
        op.create_index(
            f"ix_audit_events_workspace_id_{columns[0]}", "audit_events", ["workspace_id", *columns]
        )

    for table in ("workspace_roles", "audit_events"):
        for statement in tenant_policy_sql(table):
            op.execute(statement)
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON workspace_roles TO "{app_role}"')
    # The trail is append-only for the app: no UPDATE, no DELETE, no TRUNCATE.
    op.execute(f'GRANT SELECT, INSERT ON audit_events TO "{app_role}"')

    op.execute(AUDIT_FUNCTION)
    for table, entity_type in AUDITED.items():
        op.execute(_audit_trigger_sql(table, entity_type, "INSERT OR UPDATE OR DELETE"))
    op.execute(_audit_trigger_sql("workspaces", "workspace", "UPDATE"))

    op.execute("DROP FUNCTION atlas_request_context(bytea, uuid, text, integer, integer)")
    op.execute(REQUEST_CONTEXT_FUNCTION)


def downgrade(app_role: str) -> None:
    initial = importlib.import_module("atlas.migrations.versions.0001_initial_schema")
    op.execute(
        "DROP FUNCTION atlas_request_context(bytea, uuid, text, integer, integer, text, inet)"
    )
    op.execute(initial.REQUEST_CONTEXT_FUNCTION)
    for table in (*AUDITED, "workspaces"):
        op.execute(f"DROP TRIGGER audit ON {table}")
    op.execute("DROP FUNCTION atlas_audit()")
    op.drop_table("audit_events")
    for table in ("workspace_members", "invitations"):
        op.drop_constraint(op.f(f"ck_{table}_role"), table, type_="check")
        # Without custom roles, their holders keep the least privilege.
        op.execute(
            f"UPDATE {table} SET role = 'viewer', custom_role_id = NULL"
            " WHERE custom_role_id IS NOT NULL"
        )
        op.create_check_constraint(op.f(f"ck_{table}_role"), table, OLD_ROLE_CHECK)
        op.drop_constraint(f"fk_{table}_custom_role", table, type_="foreignkey")
        op.drop_index(f"ix_{table}_workspace_id_custom_role_id", table_name=table)
        op.drop_column(table, "custom_role_id")
    op.drop_table("workspace_roles")
