"""The migrated schema against the tenancy rules and Citus's distribution rules.

Citus needs the distribution column (workspace_id) in every primary key and unique
constraint of a distributed table, and in every foreign key between distributed tables.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Date

from atlas.schema import global_tables, tenant_tables
from tests.sql import Sql

pytestmark = pytest.mark.pg_matrix

TENANT = sorted(t.name for t in tenant_tables())
# Non-unique indexes that serve "my workspaces" and "my invitations", which are looked up
# by user before a workspace is chosen (Citus allows them; they are not routed by shard).
CROSS_TENANT_LOOKUP_INDEXES = {"ix_workspace_members_user_id", "ix_invitations_email_lower"}
# ... and the tables whose rows a user may read before choosing a workspace (an API key's
# row is read by the guard's statement by its id, before the key enters its workspace).
WIDENED_FOR_READING = {"workspace_members", "invitations", "api_keys"}


def _constraints(sql: Sql, table: str, kind: str) -> list[dict[str, Any]]:
    return sql.owner(
        """SELECT con.conname,
                  ARRAY(SELECT a.attname::text FROM unnest(con.conkey) k
                        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k) AS cols,
                  ARRAY(SELECT a.attname::text FROM unnest(con.confkey) k
                        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k)
                    AS refcols,
                  con.confrelid::regclass::text AS reftable, con.confdeltype
             FROM pg_constraint con
            WHERE con.conrelid = %s::regclass AND con.contype = %s""",
        table,
        kind,
    )


def test_every_tenant_table_is_known_and_global_tables_are_few(sql: Sql) -> None:
    rows = sql.owner(
        """SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
              AND a.attname = 'workspace_id' AND a.attnotnull"""
    )
    assert sorted(r["relname"] for r in rows) == TENANT
    assert sorted(t.name for t in global_tables()) == [
        "backup_codes",
        "email_tokens",
        "outbox_messages",
        "passkeys",
        "sessions",
        "sign_in_challenges",
        "user_totp",
        "users",
        "webauthn_challenges",
        "workspaces",
    ]


@pytest.mark.parametrize("table", TENANT)
def test_primary_key_and_unique_constraints_include_workspace_id(sql: Sql, table: str) -> None:
    pk = _constraints(sql, table, "p")
    assert pk[0]["cols"][:2] == ["workspace_id", "id"]
    for unique in _constraints(sql, table, "u"):
        assert "workspace_id" in unique["cols"], unique["conname"]
    unique_indexes = sql.owner(
        """SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
             FROM pg_index i WHERE i.indrelid = %s::regclass AND i.indisunique""",
        table,
    )
    for index in unique_indexes:
        assert "workspace_id" in index["def"], index["name"]


@pytest.mark.parametrize("table", TENANT)
def test_foreign_keys_between_tenant_tables_include_workspace_id(sql: Sql, table: str) -> None:
    for fk in _constraints(sql, table, "f"):
        if fk["reftable"] in TENANT:
            assert fk["cols"][0] == "workspace_id", fk["conname"]
            assert fk["refcols"][0] == "workspace_id", fk["conname"]
        if fk["reftable"] == "workspaces":
            assert fk["cols"] == ["workspace_id"]
            assert fk["confdeltype"] == "c", "deleting a workspace must cascade"


# pg_constraint's action codes, and those Citus keeps on a foreign key that holds the
# distribution column: no SET NULL or SET DEFAULT on delete, no action at all on update.
ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
DISTRIBUTABLE_ON_DELETE = {"a", "r", "c"}
DISTRIBUTABLE_ON_UPDATE = {"a", "r"}


def test_foreign_keys_holding_workspace_id_have_actions_citus_distributes(sql: Sql) -> None:
    """What such a key used to do on its own, the services do in the same transaction."""
    foreign_keys = sql.owner(
        """SELECT con.conrelid::regclass::text AS tbl, con.conname,
                  con.confdeltype, con.confupdtype
             FROM pg_constraint con
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attname = 'workspace_id'
            WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace
              AND a.attnum = ANY (con.conkey)
            ORDER BY 1, 2"""
    )
    assert len(foreign_keys) > len(TENANT)
    refused = [
        f"{fk['tbl']}.{fk['conname']} (ON DELETE {ACTIONS[fk['confdeltype']]},"
        f" ON UPDATE {ACTIONS[fk['confupdtype']]})"
        for fk in foreign_keys
        if fk["confdeltype"] not in DISTRIBUTABLE_ON_DELETE
        or fk["confupdtype"] not in DISTRIBUTABLE_ON_UPDATE
    ]
    assert refused == [], "Citus refuses these foreign keys' actions: " + "; ".join(refused)


@pytest.mark.parametrize("table", TENANT)
def test_indexes_lead_with_workspace_id(sql: Sql, table: str) -> None:
    indexes = sql.owner(
        """SELECT i.indexrelid::regclass::text AS name,
                  (SELECT a.attname::text FROM pg_attribute a
                    WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0]) AS first
             FROM pg_index i WHERE i.indrelid = %s::regclass""",
        table,
    )
    for index in indexes:
        if index["name"] not in CROSS_TENANT_LOOKUP_INDEXES:
            assert index["first"] == "workspace_id", index["name"]


@pytest.mark.parametrize("table", TENANT)
def test_row_level_security_is_enabled_forced_and_uses_the_setting(sql: Sql, table: str) -> None:
    flags = sql.owner(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", table
    )[0]
    assert flags == {"relrowsecurity": True, "relforcerowsecurity": True}
    policies = sql.owner(
        "SELECT policyname, qual, with_check, cmd FROM pg_policies WHERE tablename = %s", table
    )
    expected = (
        "(workspace_id = (NULLIF(current_setting('app.workspace_id'::text, true), ''::text))::uuid)"
    )
    isolation = [p for p in policies if p["policyname"] == "tenant_isolation"]
    assert len(isolation) == 1
    assert isolation[0]["cmd"] == "ALL"
    assert isolation[0]["qual"] == expected
    assert isolation[0]["with_check"] == expected
    # A policy that widens what a user sees applies to reading alone: an UPDATE or DELETE
    # through it could reach, or move, another workspace's row.
    widening = [p for p in policies if p["policyname"] != "tenant_isolation"]
    assert [(p["policyname"], p["cmd"]) for p in widening] == (
        [("visible_to_user", "SELECT")] if table in WIDENED_FOR_READING else []
    )


def test_app_role_has_only_dml_and_owns_nothing(sql: Sql, database: Any) -> None:
    app_role = database.app_role()
    role = sql.owner(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb"
        " FROM pg_roles WHERE rolname = %s",
        app_role,
    )[0]
    assert not any(role.values())
    owned = sql.owner(
        """SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND pg_get_userbyid(c.relowner) = %s""",
        app_role,
    )
    assert owned == []
    privileges = sql.owner(
        """SELECT DISTINCT privilege_type FROM information_schema.role_table_grants
            WHERE grantee = %s""",
        app_role,
    )
    assert {p["privilege_type"] for p in privileges} <= {"SELECT", "INSERT", "UPDATE", "DELETE"}


DATE_COLUMNS = sorted(
    (t.name, c.name)
    for t in tenant_tables() + global_tables()
    for c in t.columns
    if isinstance(c.type, Date)
)


@pytest.mark.parametrize(("table", "column"), DATE_COLUMNS, ids="{0[0]}.{0[1]}".format)
def test_every_date_column_holds_only_business_dates(sql: Sql, table: str, column: str) -> None:
    """No date column takes 'infinity' (asyncpg's date.max) or a day the API refuses."""
    checks = sql.owner(
        """SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype = 'c' AND conname = %s""",
        table,
        f"ck_{table}_{column}_range",
    )
    assert [c["definition"] for c in checks] == [
        f"CHECK ((({column} >= '1900-01-01'::date) AND ({column} <= '2200-12-31'::date)))"
    ]


# Triggers on global tables that only check and write nothing (docs/adr/0011): firing on
# every node's copy of a reference table, they refuse alike everywhere.
CHECK_ONLY_TRIGGERS = [{"table": "user_totp", "name": "step_forward"}]


def test_triggers_sit_on_tenant_tables_only(sql: Sql) -> None:
    """Citus runs a distributed table's trigger on the shard, beside the co-located rows it
    may write; a reference table's trigger would fire on every node's copy, far from the
    workspace's shard of the audit trail (docs/adr/0006)."""
    triggers = sql.owner(
        """SELECT c.relname::text AS "table", t.tgname::text AS name
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace"""
    )
    assert triggers, "the audit trail's triggers are missing"
    assert [t for t in triggers if t["table"] not in TENANT] == CHECK_ONLY_TRIGGERS


def test_no_policy_has_a_sub_select(sql: Sql) -> None:
    """Citus refuses sub-selects in the policies of distributed tables."""
    policies = sql.owner("SELECT tablename, policyname, qual, with_check FROM pg_policies")
    assert [
        (p["tablename"], p["policyname"])
        for p in policies
        if "SELECT" in f"{p['qual']} {p['with_check']}".upper()
    ] == []
