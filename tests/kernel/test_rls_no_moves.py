"""No request can move a row between workspaces, or reach another workspace's row through
the policies that widen what a user may *see* (their memberships and invitations).

Raw SQL as the app role, with the context the guard sets: `app.workspace_id` (a workspace
the caller is a member of), `app.user_id` and the verified email.
"""

from __future__ import annotations

from typing import Any

import pytest

from atlas.db.ids import uuid7
from atlas.schema import tenant_tables
from tests.citus import refused_move
from tests.factories import Actor, Factory
from tests.sql import Sql

pytestmark = pytest.mark.pg_matrix

TENANT = sorted(t.name for t in tenant_tables())


def _memberships(sql: Sql, user: Actor) -> list[dict[str, Any]]:
    return sql.owner(
        "SELECT workspace_id, role FROM workspace_members WHERE user_id = %s ORDER BY role",
        user.id,
        user=user.id,
    )


def _invitation(sql: Sql, ws: dict[str, Any], email: str, inviter: Actor) -> dict[str, Any]:
    return sql.owner(
        """INSERT INTO invitations
               (workspace_id, id, email, role, inviter_user_id, token_hash, expires_at)
           VALUES (%s, %s, %s, 'admin', %s, %s, now() + interval '1 day') RETURNING *""",
        ws["id"],
        uuid7(),
        email,
        inviter.id,
        uuid7().bytes,
        workspace=ws["id"],
    )[0]


@pytest.fixture
def viewer_and_owner(factory: Factory) -> tuple[Actor, dict[str, Any], dict[str, Any]]:
    """A user who is a viewer of `here` and the owner of `there`."""
    user = factory.user()
    there = factory.workspace(user)
    here = factory.workspace(factory.user())
    factory.add_member(here, user, "viewer")
    return user, here, there


def test_a_membership_of_another_workspace_cannot_be_moved_into_this_one(
    sql: Sql, viewer_and_owner: tuple[Actor, dict[str, Any], dict[str, Any]]
) -> None:
    user, here, there = viewer_and_owner
    # The viewer's own membership here makes way for the owner membership from there.
    sql.app("DELETE FROM workspace_members WHERE user_id = %s", user.id, workspace=here["id"])
    with refused_move():
        sql.app(
            "UPDATE workspace_members SET workspace_id = %s WHERE user_id = %s",
            here["id"],
            user.id,
            workspace=here["id"],
            user=user.id,
        )
    assert _memberships(sql, user) == [{"workspace_id": there["id"], "role": "owner"}]


def test_the_widened_policy_reaches_other_workspaces_for_reading_only(
    sql: Sql, viewer_and_owner: tuple[Actor, dict[str, Any], dict[str, Any]]
) -> None:
    user, here, there = viewer_and_owner
    context = {"workspace": here["id"], "user": user.id}
    # Reading: both memberships are the user's own.
    seen = sql.app(
        "SELECT workspace_id FROM workspace_members WHERE user_id = %s", user.id, **context
    )
    assert {r["workspace_id"] for r in seen} == {here["id"], there["id"]}
    # Writing: only the row of the current workspace is touched.
    changed = sql.app(
        "UPDATE workspace_members SET role = 'owner' WHERE user_id = %s RETURNING workspace_id",
        user.id,
        **context,
    )
    assert [r["workspace_id"] for r in changed] == [here["id"]]
    deleted = sql.app(
        "DELETE FROM workspace_members WHERE user_id = %s RETURNING workspace_id",
        user.id,
        **context,
    )
    assert [r["workspace_id"] for r in deleted] == [here["id"]]
    assert _memberships(sql, user) == [{"workspace_id": there["id"], "role": "owner"}]


def test_an_invitation_cannot_be_moved_changed_or_deleted_through_the_email_policy(
    sql: Sql, factory: Factory
) -> None:
    owner = factory.user()
    there = factory.workspace(owner)
    invitee = factory.user()
    here = factory.workspace(invitee)
    invitation = _invitation(sql, there, invitee.email, owner)
    context = {"workspace": here["id"], "user": invitee.id, "email": invitee.email}

    seen = sql.app("SELECT id FROM invitations", **context)
    assert [r["id"] for r in seen] == [invitation["id"]]
    with refused_move():
        sql.app("UPDATE invitations SET workspace_id = %s", here["id"], **context)
    assert sql.app("UPDATE invitations SET status = 'accepted' RETURNING id", **context) == []
    assert sql.app("DELETE FROM invitations RETURNING id", **context) == []
    rows = sql.owner(
        "SELECT workspace_id, status FROM invitations WHERE id = %s",
        invitation["id"],
        workspace=there["id"],
    )
    assert rows == [{"workspace_id": there["id"], "status": "pending"}]


def test_invitations_are_visible_only_to_the_verified_email_setting(
    sql: Sql, factory: Factory
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    _invitation(sql, ws, invitee.email, owner)
    # app.user_id alone (an account whose email is not verified) shows nothing.
    assert sql.app("SELECT id FROM invitations", user=invitee.id) == []
    assert len(sql.app("SELECT id FROM invitations", email=invitee.email)) == 1


# Append-only or kept by the database: the app role may not update these at all (the
# trail, the links' history, posted journal entries and their lines and day totals,
# credit notes and theirs, the invoices' sends).
APPEND_ONLY = {
    "audit_events",
    "credit_note_lines",
    "credit_notes",
    "employee_user_links",
    "invoice_sends",
    "journal_day_totals",
    "journal_entries",
    "journal_lines",
}


@pytest.mark.parametrize("table", TENANT)
def test_no_tenant_row_can_change_workspace(sql: Sql, database: Any, table: str) -> None:
    app_role = database.app_role()
    grants = sql.owner(
        """SELECT has_table_privilege(%s, %s, 'UPDATE') AS table_wide,
                  has_column_privilege(%s, %s, 'workspace_id', 'UPDATE') AS workspace_id,
                  has_any_column_privilege(%s, %s, 'UPDATE') AS any_column""",
        *(app_role, table) * 3,
    )
    assert grants == [
        {"table_wide": False, "workspace_id": False, "any_column": table not in APPEND_ONLY}
    ]
    with refused_move():
        sql.app(f"UPDATE {table} SET workspace_id = %s", uuid7(), workspace=uuid7())
