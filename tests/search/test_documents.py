"""The stored search documents (docs/adr/0010): the database computes each searched
table's `search_document` from the same `SearchDocument` the code declares, no one writes
it, and the search reads it, through a GIN index on (workspace_id, search_document) once
the match is leakproof."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from sqlalchemy import make_url

from atlas.config import Settings
from atlas.db import migrate
from atlas.db.bootstrap import url_for_database
from atlas.db.rls import app_update_grant_sql
from atlas.db.textsearch import COLUMN, SearchDocument, document, prefix_query, tsquery
from atlas.finance.tables import CUSTOMER_SEARCH, INVOICE_SEARCH
from atlas.hr.tables import DEPARTMENT_SEARCH, EMPLOYEE_SEARCH
from atlas.projects.tables import PROJECT_SEARCH, TASK_SEARCH
from atlas.schema import tenant_tables
from tests.citus import plain_postgresql_only
from tests.conftest import APP_ROLE, superuser_url
from tests.factories import Factory
from tests.finance.helpers import many_customers, new_customer
from tests.sql import PROPAGATION_OPTIONS, Sql, set_context

SEARCHED: dict[str, SearchDocument] = {
    "projects": PROJECT_SEARCH,
    "tasks": TASK_SEARCH,
    "customers": CUSTOMER_SEARCH,
    "invoices": INVOICE_SEARCH,
    "employees": EMPLOYEE_SEARCH,
    "departments": DEPARTMENT_SEARCH,
}
# The search's statement for customers, as `fetch_matches` writes it.
CUSTOMER_MATCH = (
    f"SELECT c.id FROM customers c WHERE c.workspace_id = %s AND {document('c')} @@ {tsquery('%s')}"
    f" ORDER BY ts_rank({document('c')}, {tsquery('%s')}) DESC, lower(c.name), c.id LIMIT 6"
)


def test_the_searched_tables_are_the_ones_with_a_document() -> None:
    assert sorted(t.name for t in tenant_tables() if COLUMN in t.c) == sorted(SEARCHED)


@pytest.mark.parametrize("table", sorted(SEARCHED))
def test_the_stored_document_is_the_one_the_code_declares(sql: Sql, table: str) -> None:
    """The migration wrote the expression down as it was; PostgreSQL, parsing both, must
    read it as what `SearchDocument.sql()` makes now."""
    conn = sql.new_connection("owner")
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE probe (LIKE {table})")
            cur.execute(
                "ALTER TABLE probe ADD COLUMN expected tsvector"
                f" GENERATED ALWAYS AS ({SEARCHED[table].sql()}) STORED"
            )
            cur.execute(
                """SELECT a.attrelid::regclass::text AS rel, pg_get_expr(d.adbin, d.adrelid) AS expr
                     FROM pg_attribute a
                     JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                    WHERE (a.attrelid, a.attname)
                          IN ((%s::regclass, %s), ('probe'::regclass, 'expected'))
                      AND a.attgenerated = 's'""",
                (table, COLUMN),
            )
            expressions = {row["rel"]: row["expr"] for row in cur.fetchall()}
    finally:
        conn.close()
    assert set(expressions) == {table, "probe"}
    assert expressions[table] == expressions["probe"]
    assert "to_tsvector('simple'::regconfig" in expressions[table]


@pytest.mark.parametrize("table", sorted(SEARCHED))
def test_the_document_has_its_gin_index_on_the_workspace(sql: Sql, table: str) -> None:
    (index,) = sql.owner(
        "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
        table,
        f"ix_{table}_search",
    )
    assert index["indexdef"].endswith(f"USING gin (workspace_id, {COLUMN})")


def test_the_app_role_never_writes_a_document(
    factory: Factory, sql: Sql, database: Settings
) -> None:
    privileges = sql.owner(
        "SELECT t, has_column_privilege(%s, t, %s, 'UPDATE') AS may FROM unnest(%s::text[]) t",
        database.app_role(),
        COLUMN,
        sorted(SEARCHED),
    )
    assert privileges == [{"t": t, "may": False} for t in sorted(SEARCHED)]
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws, name="Acme Corp")
    with pytest.raises(psycopg.errors.GeneratedAlways):
        sql.app(
            f"UPDATE customers SET {COLUMN} = to_tsvector('forged') WHERE id = %s",
            customer["id"],
            workspace=ws["id"],
        )
    # The grant made again (as a migration adding columns does) still leaves it out.
    conn = sql.new_connection("owner")
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute(app_update_grant_sql("customers", database.app_role()))
            cur.execute(
                "SELECT has_column_privilege(%s, 'customers', %s, 'UPDATE') AS document,"
                " has_column_privilege(%s, 'customers', 'name', 'UPDATE') AS name",
                (database.app_role(), COLUMN, database.app_role()),
            )
            assert cur.fetchone() == {"document": False, "name": True}
    finally:
        conn.close()


def test_a_renamed_row_is_found_by_its_new_words(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws, name="Acme Corp")
    resp = owner.patch(f"/api/v1/customers/{customer['id']}", ws=ws, json={"name": "Initech"})
    assert resp.status_code == 200, resp.text
    found = owner.get("/api/v1/search", ws=ws, params={"q": "initech", "kinds": "customers"})
    assert [h["id"] for h in found.json()["groups"][0]["hits"]] == [customer["id"]]
    gone = owner.get("/api/v1/search", ws=ws, params={"q": "acme", "kinds": "customers"})
    assert gone.json()["groups"][0]["hits"] == []


def _plan(conn: psycopg.Connection[Any], ws_id: Any, query: str, *settings: str) -> str:
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        set_context(cur, workspace_id=ws_id)
        for setting in settings:
            cur.execute(f"SET LOCAL {setting}")
        cur.execute(f"EXPLAIN {CUSTOMER_MATCH}", (ws_id, query, query))
        return "\n".join(row["QUERY PLAN"] for row in cur.fetchall())


def test_the_search_matches_the_stored_words_as_the_app_role(factory: Factory, sql: Sql) -> None:
    """Under forced row-level security the match cannot be an index condition (it is not
    leakproof): an index leading with workspace_id finds the workspace's rows, and the
    stored words are matched per row, no document computed."""
    owner = factory.user()
    ws = factory.workspace(owner)
    many_customers(sql, ws, 300, "Plan")
    plan = _plan(sql.connection("app"), ws["id"], prefix_query("acm") or "", "enable_seqscan = off")
    assert f"Index Cond: (workspace_id = '{ws['id']}'::uuid)" in plan
    assert f"Filter: ({COLUMN} @@ '''acm'':*'::tsquery)" in plan
    assert "to_tsvector" not in plan


def test_the_leakproof_flags_the_index_rests_on(sql: Sql) -> None:
    """Should a release mark the match leakproof, the index serves it without a DBA's
    declaration, and docs/adr/0010 is to be read again."""
    functions = sql.owner(
        "SELECT proname, proleakproof FROM pg_proc"
        " WHERE proname IN ('ts_match_vq', 'to_tsvector', 'uuid_eq') ORDER BY proname"
    )
    leakproof = {f["proname"]: f["proleakproof"] for f in functions}
    assert leakproof == {"to_tsvector": False, "ts_match_vq": False, "uuid_eq": True}


@pytest.fixture
def leakproof_match(empty_database: Settings) -> tuple[Settings, str]:
    """A database of its own, migrated, in which a superuser has declared `ts_match_vq`
    LEAKPROOF (the DBA's opt-in; pg_proc is per database), with its superuser URL."""
    migrate.upgrade(empty_database.owner_url(), APP_ROLE)
    name = make_url(empty_database.owner_url()).database
    assert name is not None
    superuser = url_for_database(superuser_url(), name)
    with psycopg.connect(superuser, autocommit=True) as conn:
        conn.execute("ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF")
    return empty_database, superuser


@plain_postgresql_only("a superuser's declaration on one node's catalogue")
def test_once_the_match_is_leakproof_the_gin_index_serves_both_conditions(
    leakproof_match: tuple[Settings, str],
) -> None:
    database, superuser = leakproof_match
    workspace = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
    with psycopg.connect(superuser, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # no audit trail for the data
        conn.execute(
            "INSERT INTO workspaces (id, name, slug) VALUES (%s, 'Big', 'big')", (workspace,)
        )
        conn.execute(
            """INSERT INTO customers (workspace_id, id, name, currency)
               SELECT %s, gen_random_uuid(), 'Customer ' || n, 'EUR'
                 FROM generate_series(1, 20000) n""",
            (workspace,),
        )
        conn.execute("ANALYZE customers")
    with psycopg.connect(
        database.runtime_url(), row_factory=dict_row, options=PROPAGATION_OPTIONS
    ) as conn:
        plan = _plan(conn, workspace, prefix_query("acm") or "", "enable_seqscan = off")
    assert "Bitmap Index Scan on ix_customers_search" in plan
    assert f"Index Cond: ((workspace_id = '{workspace}'::uuid) AND ({COLUMN} @@" in plan
