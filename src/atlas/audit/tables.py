"""Audit events: one row per changed business or membership row, never updated."""

from sqlalchemy import Column, DateTime, Index, Text, Uuid, func
from sqlalchemy.dialects.postgresql import INET, JSONB

from atlas.db.metadata import tenant_table

audit_events = tenant_table(
    "audit_events",
    Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor_user_id", Uuid, nullable=True),
    Column("actor_email", Text, nullable=True),
    Column("action", Text, nullable=False),
    Column("entity_type", Text, nullable=False),
    Column("entity_id", Uuid, nullable=False),
    Column("changes", JSONB, nullable=False),
    Column("request_id", Text, nullable=True),
    Column("client_ip", INET, nullable=True),
    Index("ix_audit_events_workspace_id_occurred_at", "workspace_id", "occurred_at"),
    Index("ix_audit_events_workspace_id_entity_id", "workspace_id", "entity_id"),
    Index("ix_audit_events_workspace_id_actor_user_id", "workspace_id", "actor_user_id"),
)
