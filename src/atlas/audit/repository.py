"""`audit_events` of one workspace: read only; the database's trigger writes them."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from atlas.db.query import ScopedRepository, Where, fetch_page
from atlas.pagination import PageRequest, order_by

EVENT_COLUMNS = """e.id, e.occurred_at, e.actor_user_id, e.actor_email, e.action,
    e.entity_type, e.entity_id, e.changes, e.request_id, host(e.client_ip) AS client_ip"""
EVENT_SORTS = {"occurred_at": "occurred_at"}


class AuditEventsRepository(ScopedRepository):
    async def list(
        self,
        *,
        entity_type: str | None,
        entity_id: uuid.UUID | None,
        actor_user_id: uuid.UUID | None,
        action: str | None,
        request_id: str | None,
        since: datetime | None,
        until: datetime | None,
        sort: str | None,
        page: PageRequest,
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, EVENT_SORTS, "-occurred_at")
        where = Where(self.workspace_id, "e")
        for column, value in (
            ("entity_type", entity_type),
            ("entity_id", entity_id),
            ("actor_user_id", actor_user_id),
            ("action", action),
            ("request_id", request_id),
        ):
            if value is not None:
                where.add(f"e.{column} = {where.param(value)}")
        if since is not None:
            where.add(f"e.occurred_at >= {where.param(since)}")
        if until is not None:
            where.add(f"e.occurred_at < {where.param(until)}")
        return await fetch_page(
            self.db, EVENT_COLUMNS, "audit_events e", where, order, page.limit, page.offset
        )
