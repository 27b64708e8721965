"""Where the database is: a configured server, or the embedded one started on demand."""

from __future__ import annotations

import asyncio
import logging
import os

from sqlalchemy.engine import make_url

from atlas.config import Settings
from atlas.db.bootstrap import ensure_roles_and_database, url_for_database
from atlas.db.embedded import EmbeddedPostgres

log = logging.getLogger("atlas.runtime")

EMBEDDED_DATABASE = "atlas"
OWNER_ROLE = "atlas_owner"
APP_ROLE = "atlas_app"


def embedded_server(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.data_dir / "postgres", settings.embedded_port)


def use_embedded_database(settings: Settings) -> EmbeddedPostgres:
    """Starts the embedded server, makes the roles and the database, and points settings
    (and this process's environment, for worker processes) at them."""
    server = embedded_server(settings)
    server.start()
    superuser = server.superuser_url()
    asyncio.run(
        ensure_roles_and_database(
            superuser, database=EMBEDDED_DATABASE, owner_role=OWNER_ROLE, app_role=APP_ROLE
        )
    )
    base = make_url(url_for_database(superuser, EMBEDDED_DATABASE))
    settings.database_url = base.set(username=OWNER_ROLE).render_as_string(hide_password=False)
    settings.app_database_url = base.set(username=APP_ROLE).render_as_string(hide_password=False)
    os.environ["ATLAS_DATABASE_URL"] = settings.database_url
    os.environ["ATLAS_APP_DATABASE_URL"] = settings.app_database_url
    return server
