"""The shared MetaData and the helper that gives every tenant table the same frame.

A tenant table carries `workspace_id`, has the primary key `(workspace_id, id)` and
cascades from its workspace. Migrations add row-level security to every table that
`tenant_table` made. The registry of every module's tables is `atlas.schema`, above the
modules: this kernel module imports none of them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Uuid,
    func,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def created_at() -> Column[Any]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def updated_at() -> Column[Any]:
    return Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def sort_index(table: str, name: str, expression: str | None = None) -> Index:
    """(workspace_id, the sort key, id), the order a list sorted by `name` reads in: a
    page is read from the index and the scan stops after it. `expression` is the key when
    it is not the column `name` itself, written as the list's ORDER BY writes it."""
    key = text(expression) if expression else name
    return Index(f"ix_{table}_workspace_id_{name}_id", "workspace_id", key, "id")


def tenant_table(name: str, *items: Any) -> Table:
    """A table of one workspace's rows: workspace_id first, keyed by (workspace_id, id)."""
    return Table(
        name,
        metadata,
        Column(
            "workspace_id",
            Uuid,
            ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("id", Uuid, nullable=False),
        *items,
        PrimaryKeyConstraint("workspace_id", "id"),
        info={"tenant": True},
    )
