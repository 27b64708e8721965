"""Roles and the `resource:action` permissions they grant: the one table."""

from __future__ import annotations

READ = (
    "workspace:read",
    "members:read",
    "invitations:read",
    "projects:read",
    "tasks:read",
    "time:read",
    "departments:read",
    "employees:read",
    "leave:read",
    "customers:read",
    "invoices:read",
    "roles:read",
)
CONTRIBUTE = (
    "tasks:create",
    "tasks:update",
    "tasks:delete",
    "time:write",  # one's own time entries (as the employee linked to one's membership)
    "leave:request",  # one's own leave requests
)
MANAGE = (
    "workspace:update",
    "members:update",
    "members:remove",
    "invitations:create",
    "invitations:cancel",
    "projects:create",
    "projects:update",
    "projects:delete",
    "time:manage",  # anyone's time entries
    "departments:manage",
    "employees:manage",
    "hr:salary",  # see and change salaries
    "leave:approve",
    "leave:manage",  # leave types, and requests on behalf of anyone
    "customers:manage",
    "invoices:write",
    "invoices:issue",
    "invoices:void",
    "payments:record",
    "roles:manage",  # custom roles, within the permissions one holds
    "audit:read",  # the audit trail
    "accounts:manage",  # the chart of accounts
    "ledger:read",  # journal entries and their lines
    "ledger:post",  # manual entries and reversals
    "books:lock",  # the lock date, forward only
    "reports:read",  # trial balance, profit and loss, balance sheet, general ledger, aging
    "api-keys:manage",  # the workspace's API keys, within the permissions one holds
)
OWN = (
    "workspace:delete",
    "workspace:export",  # what the holder may read of the workspace, as a ZIP download
    "members:grant-owner",
)

ALL_PERMISSIONS: tuple[str, ...] = READ + CONTRIBUTE + MANAGE + OWN
KNOWN_PERMISSIONS = frozenset(ALL_PERMISSIONS)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": frozenset(ALL_PERMISSIONS),
    "admin": frozenset(READ + CONTRIBUTE + MANAGE),
    "member": frozenset(READ + CONTRIBUTE),
    "viewer": frozenset(READ),
}

# The built-in roles from the most to the least privileged.
BUILTIN_ROLES = ("owner", "admin", "member", "viewer")


def permissions_of(role: str, custom: list[str] | None = None) -> frozenset[str]:
    """A built-in role's permissions, or those a custom role lists that still exist."""
    if custom is not None:
        return frozenset(custom) & KNOWN_PERMISSIONS
    return ROLE_PERMISSIONS.get(role, frozenset())
