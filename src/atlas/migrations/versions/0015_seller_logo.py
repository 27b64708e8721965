"""The workspace's logo, printed on its invoices beside the seller's details.

- `workspace_logos` (tenant table): at most one row a workspace, holding the image's
  bytes, its content type (PNG, JPEG or WebP, as its bytes say), size, SHA-256 and width
  and height. The database holds size and hash to the bytes stored.
- Audited as `workspace_logo`, without the bytes (the trigger leaves `content` out).
- The app role reads, adds, replaces and removes it; it may never change its workspace.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atlas.db.rls import app_update_grant_sql, tenant_policy_sql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

MAX_BYTES = 512 * 1024
MAX_SIDE = 4000


def upgrade(app_role: str) -> None:
    # `op.create_table`: on a distributed schema it is distributed with its keys.
    op.create_table(
        "workspace_logos",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_workspace_logos")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_workspace_logos_workspace_id")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_logos_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "content_type IN ('image/png', 'image/jpeg', 'image/webp')",
            name=op.f("ck_workspace_logos_content_type"),
        ),
        sa.CheckConstraint(
            f"size_bytes = octet_length(content) AND size_bytes BETWEEN 1 AND {MAX_BYTES}",
            name=op.f("ck_workspace_logos_size"),
        ),
        sa.CheckConstraint(
            "sha256 = encode(sha256(content), 'hex')", name=op.f("ck_workspace_logos_sha256")
        ),
        sa.CheckConstraint(
            f"width BETWEEN 1 AND {MAX_SIDE} AND height BETWEEN 1 AND {MAX_SIDE}",
            name=op.f("ck_workspace_logos_dimensions"),
        ),
    )
    for statement in tenant_policy_sql("workspace_logos"):
        op.execute(statement)
    op.execute(
        "CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON workspace_logos"
        " FOR EACH ROW EXECUTE FUNCTION atlas_audit('workspace_logo', 'content')"
    )
    op.execute(f'GRANT SELECT, INSERT, DELETE ON workspace_logos TO "{app_role}"')
    op.execute(app_update_grant_sql("workspace_logos", app_role))


def downgrade(app_role: str) -> None:
    op.execute(f'REVOKE ALL ON workspace_logos FROM "{app_role}"')
    op.execute("DROP TABLE workspace_logos")
