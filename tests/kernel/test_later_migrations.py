"""A later migration's new tenant table, on a schema that is already distributed: created
through `op.create_table` with its foreign keys as any migration writes them, it ends up
distributed and co-located on Citus, with its keys, and as written on plain PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine

from atlas.config import Settings
from atlas.db import migrate
from tests.citus import on_citus
from tests.conftest import APP_ROLE


@pytest.fixture
def migrated(empty_database: Settings) -> Iterator[Engine]:
    migrate.upgrade(empty_database.owner_url(), APP_ROLE)
    engine = create_engine(migrate.sync_url(empty_database.owner_url()))
    yield engine
    engine.dispose()


def _new_tenant_table(engine: Engine) -> None:
    with engine.begin() as conn:
        op = Operations(MigrationContext.configure(conn))
        op.create_table(
            "ledger_notes",
            sa.Column("workspace_id", sa.Uuid(), nullable=False),
            sa.Column("id", sa.Uuid(), nullable=False),
            sa.Column("project_id", sa.Uuid(), nullable=False),
            sa.Column("note", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(
                ["workspace_id", "project_id"], ["projects.workspace_id", "projects.id"]
            ),
            sa.PrimaryKeyConstraint("workspace_id", "id"),
            sa.Index("ix_ledger_notes_workspace_id_project_id", "workspace_id", "project_id"),
        )


def test_a_new_tenant_table_keeps_its_keys_and_is_distributed_on_citus(
    migrated: Engine,
) -> None:
    _new_tenant_table(migrated)
    with migrated.connect() as conn:
        keys = conn.execute(
            sa.text(
                """SELECT confrelid::regclass::text FROM pg_constraint
                    WHERE conrelid = 'ledger_notes'::regclass AND contype = 'f' ORDER BY 1"""
            )
        ).scalars()
        assert list(keys) == ["projects", "workspaces"]
        indexes = conn.execute(
            sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'ledger_notes' ORDER BY 1")
        ).scalars()
        assert list(indexes) == ["ix_ledger_notes_workspace_id_project_id", "ledger_notes_pkey"]
        if on_citus():
            placed = conn.execute(
                sa.text(
                    """SELECT n.partmethod, n.colocationid = p.colocationid AS co_located
                         FROM pg_dist_partition n, pg_dist_partition p
                        WHERE n.logicalrelid = 'ledger_notes'::regclass
                          AND p.logicalrelid = 'projects'::regclass"""
                )
            ).one()
            assert tuple(placed) == ("h", True)
    # The key holds: a note of a project that does not exist is refused.
    workspace = uuid.uuid4()
    with migrated.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO workspaces (id, name, slug) VALUES (:id, 'Notes', :slug)"),
            {"id": workspace, "slug": f"notes-{workspace.hex[:8]}"},
        )
    with pytest.raises(sa.exc.IntegrityError) as refused, migrated.begin() as conn:
        conn.execute(
            sa.text(
                """INSERT INTO ledger_notes (workspace_id, id, project_id, note)
                   VALUES (:workspace, :id, :project, 'x')"""
            ),
            {"workspace": workspace, "id": uuid.uuid4(), "project": uuid.uuid4()},
        )
    assert getattr(refused.value.orig, "sqlstate", None) == "23503"
