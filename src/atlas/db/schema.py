"""Imports every module's tables so that `metadata` holds the whole schema."""

from atlas.db.metadata import metadata
from atlas.identity import tables as identity_tables
from atlas.projects import tables as projects_tables
from atlas.workspaces import tables as workspaces_tables

__all__ = ["identity_tables", "metadata", "projects_tables", "workspaces_tables"]
