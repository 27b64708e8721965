"""Alembic environment: runs as the owner role; the app role's name comes from settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from atlas.db import distribution
from atlas.schema import metadata

config = context.config


def run_migrations() -> None:
    engine = create_engine(config.attributes["owner_url"])
    with engine.connect() as connection:
        if distribution.has_citus(connection):
            # Migrations may create triggers on distributed tables (docs/adr/0006).
            connection.exec_driver_sql(distribution.ALLOW_TRIGGERS)
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations(app_role=config.attributes["app_role"])
    engine.dispose()


run_migrations()
