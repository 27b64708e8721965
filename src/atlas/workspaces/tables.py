"""Workspaces (global) and their members and invitations (tenant rows)."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)

from atlas.db.metadata import created_at, metadata, tenant_table, updated_at
from atlas.locales import locale_check
from atlas.roles.tables import workspace_roles
from atlas.tenancy.permissions import BUILTIN_ROLES
from atlas.validation import set_together_check
from atlas.workspaces.logo import EXTENSIONS, LOGO_MAX_BYTES, LOGO_MAX_SIDE

# A member's or invitation's role is a built-in name, or the name of one of the
# workspace's custom roles, tied to it by (workspace_id, custom_role_id, role): renaming
# the role renames it everywhere, and a role in use cannot be deleted.
ROLE_IS_BUILTIN_OR_CUSTOM = f"(custom_role_id IS NULL) = (role IN {BUILTIN_ROLES!r})"
LOGO_CONTENT_TYPES = tuple(EXTENSIONS)
INVITATION_STATUSES = ("pending", "accepted", "rejected", "canceled", "expired")

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("slug", Text, nullable=False, unique=True),
    Column("base_currency", String(3), nullable=False, server_default="USD"),
    Column("timezone", Text, nullable=False, server_default="UTC"),
    Column("fiscal_year_start_month", SmallInteger, nullable=False, server_default="1"),
    # The workspace as a seller, printed on its invoices (migration 0014).
    Column("legal_name", Text, nullable=False, server_default=""),
    Column("address", Text, nullable=False, server_default=""),
    Column("tax_id", Text, nullable=False, server_default=""),
    Column("bank_details", Text, nullable=False, server_default=""),
    # The locale of its pages for members who chose none (migration 0017).
    Column("locale", Text, nullable=False, server_default="en-US"),
    # Members must sign in with a second factor to enter it (migration 0019, the guard).
    Column("require_two_factor", Boolean, nullable=False, server_default="false"),
    created_at(),
    updated_at(),
    CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="slug_format"),
    CheckConstraint("fiscal_year_start_month BETWEEN 1 AND 12", name="fiscal_month"),
    CheckConstraint("char_length(legal_name) <= 200", name="legal_name_length"),
    CheckConstraint("char_length(address) <= 2000", name="address_length"),
    CheckConstraint("char_length(tax_id) <= 64", name="tax_id_length"),
    CheckConstraint("char_length(bank_details) <= 2000", name="bank_details_length"),
    CheckConstraint(locale_check("locale"), name="locale"),
)


def _custom_role_reference(table: str, on_delete: str | None) -> ForeignKeyConstraint:
    # No ON UPDATE CASCADE (Citus refuses it on a key holding workspace_id): renaming a role
    # renames it on its members and invitations in the same statement (roles.repository).
    return ForeignKeyConstraint(
        ["workspace_id", "custom_role_id", "role"],
        [workspace_roles.c.workspace_id, workspace_roles.c.id, workspace_roles.c.name],
        ondelete=on_delete,
        name=f"fk_{table}_custom_role",
    )


workspace_members = tenant_table(
    "workspace_members",
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", Text, nullable=False),
    Column("custom_role_id", Uuid, nullable=True),
    created_at(),
    updated_at(),
    UniqueConstraint("workspace_id", "user_id"),
    Index("ix_workspace_members_user_id", "user_id"),
    Index("ix_workspace_members_workspace_id_custom_role_id", "workspace_id", "custom_role_id"),
    CheckConstraint(ROLE_IS_BUILTIN_OR_CUSTOM, name="role"),
    # NO ACTION, checked at the end of the statement: a role in use cannot be deleted,
    # yet a workspace's deletion cascades through both tables.
    _custom_role_reference("workspace_members", None),
)

invitations = tenant_table(
    "invitations",
    Column("email", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("custom_role_id", Uuid, nullable=True),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("inviter_user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("token_hash", LargeBinary, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    created_at(),
    updated_at(),
    UniqueConstraint("workspace_id", "token_hash"),
    Index("ix_invitations_workspace_id_status", "workspace_id", "status"),
    Index("ix_invitations_email_lower", func.lower(Column("email", Text))),
    Index(
        "uq_invitations_one_pending",
        "workspace_id",
        func.lower(Column("email", Text)),
        unique=True,
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_invitations_workspace_id_custom_role_id", "workspace_id", "custom_role_id"),
    CheckConstraint(ROLE_IS_BUILTIN_OR_CUSTOM, name="role"),
    CheckConstraint(f"status IN {INVITATION_STATUSES!r}", name="status"),
    # Answered invitations of a deleted role go with it; pending ones block the deletion.
    _custom_role_reference("invitations", "CASCADE"),
)

# The workspace's logo, printed on its invoices: one row a workspace, the image in the
# database (served to members only, at a URL named by its hash). The database checks that
# size and hash describe the stored bytes; atlas.workspaces.logo checks what they are.
workspace_logos = tenant_table(
    "workspace_logos",
    Column("content", LargeBinary, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    created_at(),
    updated_at(),
    UniqueConstraint("workspace_id"),
    CheckConstraint(f"content_type IN {LOGO_CONTENT_TYPES!r}", name="content_type"),
    CheckConstraint(
        f"size_bytes = octet_length(content) AND size_bytes BETWEEN 1 AND {LOGO_MAX_BYTES}",
        name="size",
    ),
    CheckConstraint("sha256 = encode(sha256(content), 'hex')", name="sha256"),
    CheckConstraint(
        f"width BETWEEN 1 AND {LOGO_MAX_SIDE} AND height BETWEEN 1 AND {LOGO_MAX_SIDE}",
        name="dimensions",
    ),
)

outbox_messages = Table(
    "outbox_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True),
    Column("to_email", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    created_at(),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    # Delivery by the background sender (atlas.mail): retried with backoff, then given up.
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_attempt_at", DateTime(timezone=True), nullable=True),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text, nullable=True),
    Column("failed_at", DateTime(timezone=True), nullable=True),
    # At most one attachment (an invoice's PDF), whole or not at all (migration 0016).
    Column("attachment_filename", Text, nullable=True),
    Column("attachment_content_type", Text, nullable=True),
    Column("attachment_content", LargeBinary, nullable=True),
    CheckConstraint(
        f"{set_together_check('attachment_filename', 'attachment_content')}"
        f" AND {set_together_check('attachment_content_type', 'attachment_content')}",
        name="attachment_whole",
    ),
    Index(
        "ix_outbox_messages_due",
        "next_attempt_at",
        postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
    ),
)
