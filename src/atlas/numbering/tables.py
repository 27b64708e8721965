"""Gapless counters per workspace: employee numbers, invoice numbers per year."""

from sqlalchemy import CheckConstraint, Column, Integer, Text, UniqueConstraint

from atlas.db.metadata import tenant_table, updated_at

number_sequences = tenant_table(
    "number_sequences",
    Column("name", Text, nullable=False),
    Column("last_value", Integer, nullable=False),
    updated_at(),
    UniqueConstraint("workspace_id", "name"),
    CheckConstraint("last_value > 0", name="last_value"),
)
