"""The audit trail's one route: read, for owners and admins (`audit:read`).

Events are written by the database in the transaction of each change; there is no
route to create, edit or delete them.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from atlas.audit import schemas, service
from atlas.db.pool import TransactionRoute
from atlas.pagination import Page, PageParams, Sort
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require
from atlas.validation import BusinessDateTime

AuditRead = Annotated[WorkspaceContext, Depends(require("audit:read"))]

router = APIRouter(prefix="/api/v1", tags=["audit"], route_class=TransactionRoute)


@router.get("/audit-events")
async def list_audit_events(
    ctx: AuditRead,
    db: Db,
    page: PageParams,
    entity_type: Annotated[
        str | None, Query(max_length=40, description="e.g. invoice, employee, member.")
    ] = None,
    entity_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=60, description="e.g. invoice.updated.")] = None,
    request_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[BusinessDateTime | None, Query(description="Inclusive; ISO 8601.")] = None,
    until: Annotated[BusinessDateTime | None, Query(description="Exclusive; ISO 8601.")] = None,
    sort: Sort = None,
) -> Page[schemas.AuditEvent]:
    """Who changed what and when, newest first; sort by occurred_at or -occurred_at
    (default). Salaries are redacted without `hr:salary`."""
    filters = schemas.AuditFilters(
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        action=action,
        request_id=request_id,
        since=since,
        until=until,
        sort=sort,
    )
    return await service.list_events(ctx, db, filters, page)
