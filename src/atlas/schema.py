"""The schema registry: imports every module's tables, so that `metadata` holds them all.

It sits above the modules (the kernel's `db.metadata` knows no module); migrations, the
start-up role check, exports and the schema tests ask it for the tables.
"""

from sqlalchemy import Table

from atlas.apikeys import tables as apikeys_tables
from atlas.audit import tables as audit_tables
from atlas.db.metadata import metadata
from atlas.finance import tables as finance_tables
from atlas.hr import tables as hr_tables
from atlas.identity import tables as identity_tables
from atlas.ledger import tables as ledger_tables
from atlas.numbering import tables as numbering_tables
from atlas.projects import tables as projects_tables
from atlas.roles import tables as roles_tables
from atlas.timesheets import tables as timesheets_tables
from atlas.workspaces import tables as workspaces_tables

__all__ = [
    "apikeys_tables",
    "audit_tables",
    "finance_tables",
    "global_tables",
    "hr_tables",
    "identity_tables",
    "ledger_tables",
    "metadata",
    "numbering_tables",
    "projects_tables",
    "roles_tables",
    "tenant_tables",
    "timesheets_tables",
    "workspaces_tables",
]


def tenant_tables() -> list[Table]:
    return [t for t in metadata.sorted_tables if t.info.get("tenant")]


def global_tables() -> list[Table]:
    return [t for t in metadata.sorted_tables if not t.info.get("tenant")]
