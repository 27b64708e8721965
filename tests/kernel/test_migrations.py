"""Migrations: the models and the migrated database agree, and the chain runs both ways."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from atlas.config import Settings
from atlas.db import migrate
from atlas.schema import metadata
from tests.citus import plain_postgresql_only
from tests.conftest import APP_ROLE

pytestmark = pytest.mark.pg_matrix


def test_migrated_schema_matches_the_metadata(database: Settings) -> None:
    engine = create_engine(migrate.sync_url(database.owner_url()))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_status_reports_head(database: Settings) -> None:
    state = migrate.status(database.owner_url())
    assert state.at_head
    assert state.current == (migrate.head_revision(),)


@plain_postgresql_only(
    "the downgrades restore foreign-key actions and policies with sub-selects, which Citus "
    "refuses on distributed tables"
)
def test_upgrade_downgrade_upgrade_on_an_empty_database(empty_database: Settings) -> None:
    scratch_database = empty_database.owner_url()
    assert migrate.status(scratch_database).current == ()
    migrate.upgrade(scratch_database, APP_ROLE)
    assert migrate.status(scratch_database).at_head
    migrate.downgrade(scratch_database, APP_ROLE, "base")
    assert migrate.status(scratch_database).current == ()
    migrate.upgrade(scratch_database, APP_ROLE)
    assert migrate.status(scratch_database).at_head
