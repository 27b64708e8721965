"""Alembic, driven from code: upgrade to head and report where a database stands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from atlas.db import distribution

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def sync_url(url: str) -> str:
    """The same database through psycopg, which Alembic drives synchronously."""
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def alembic_config(owner_url: str, app_role: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["owner_url"] = sync_url(owner_url)
    cfg.attributes["app_role"] = app_role
    return cfg


def upgrade(owner_url: str, app_role: str, revision: str = "head") -> None:
    """Migrates to `revision`; on Citus, then distributes what is not distributed yet."""
    command.upgrade(alembic_config(owner_url, app_role), revision)
    engine = create_engine(sync_url(owner_url))
    try:
        with engine.begin() as conn:
            distribution.distribute(conn)
    finally:
        engine.dispose()


def downgrade(owner_url: str, app_role: str, revision: str) -> None:
    command.downgrade(alembic_config(owner_url, app_role), revision)


@dataclass(frozen=True)
class MigrationStatus:
    current: tuple[str, ...]
    head: str | None

    @property
    def at_head(self) -> bool:
        return self.head is not None and self.current == (self.head,)


def head_revision() -> str | None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head()


def status(url: str) -> MigrationStatus:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    return MigrationStatus(current=tuple(current), head=head_revision())
