"""Reading the audit trail: filters, and redaction of what the reader may not see."""

from __future__ import annotations

from typing import Any

import asyncpg

from atlas.audit import schemas
from atlas.audit.repository import AuditEventsRepository
from atlas.pagination import Page, PageRequest, page_of
from atlas.tenancy.context import WorkspaceContext
from atlas.validation import choices

# The entity types the `atlas_audit` trigger writes (one per audited table).
ENTITY_TYPES = (
    "workspace",
    "workspace_logo",
    "member",
    "api_key",
    "invitation",
    "role",
    "project",
    "task",
    "time_entry",
    "department",
    "employee",
    "leave_type",
    "leave_request",
    "customer",
    "invoice",
    "invoice_line",
    "invoice_send",
    "payment",
    "account",
    "books",
    "journal_entry",
    "journal_draft",
    "journal_draft_line",
    "credit_note",
    "credit_note_line",
)
VERBS = ("created", "updated", "deleted")
ACTIONS = tuple(f"{entity}.{verb}" for entity in ENTITY_TYPES for verb in VERBS)
REDACTED = "[redacted]"
# Fields stored in the trail that only some readers may see: entity -> field -> permission.
RESTRICTED_FIELDS = {
    "employee": {"salary": "hr:salary", "salary_currency": "hr:salary"},
}


def _one(value: str | None, allowed: tuple[str, ...], field: str) -> str | None:
    """The filter's value, one of `allowed`; None when absent or blank."""
    chosen = [] if value is None else choices([value], allowed, field)
    return chosen[0] if chosen else None


def hidden_fields(ctx: WorkspaceContext) -> dict[str, dict[str, str]]:
    """Entity type -> field -> permission: the restricted fields `ctx` may not read."""
    hidden = {
        entity: {field: p for field, p in fields.items() if not ctx.can(p)}
        for entity, fields in RESTRICTED_FIELDS.items()
    }
    return {entity: fields for entity, fields in hidden.items() if fields}


def visible_event(ctx: WorkspaceContext, row: dict[str, Any]) -> dict[str, Any]:
    """The event as `ctx` may see it: restricted fields it may not read are redacted (the
    API and the tenant export both show events through this)."""
    event = dict(row)
    hidden = hidden_fields(ctx).get(event["entity_type"], {})
    event["changes"] = {
        field: {"old": REDACTED, "new": REDACTED} if field in hidden else change
        for field, change in event["changes"].items()
    }
    return event


async def list_events(
    ctx: WorkspaceContext, db: asyncpg.Connection, filters: schemas.AuditFilters, page: PageRequest
) -> Page[schemas.AuditEvent]:
    """The workspace's audit events, newest first unless sorted by `occurred_at`."""
    rows, total = await AuditEventsRepository(db, ctx.workspace_id).list(
        entity_type=_one(filters.entity_type, ENTITY_TYPES, "entity_type"),
        entity_id=filters.entity_id,
        actor_user_id=filters.actor_user_id,
        action=_one(filters.action, ACTIONS, "action"),
        request_id=filters.request_id,
        since=filters.since,
        until=filters.until,
        sort=filters.sort,
        page=page,
    )
    return page_of(schemas.AuditEvent, [visible_event(ctx, dict(r)) for r in rows], total, page)
