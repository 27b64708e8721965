"""Distribution on Citus: every tenant table by `workspace_id`, co-located; every global
table a reference table (a copy on every node).

`atlas-erp db upgrade` runs it after the migrations when the database has the `citus`
extension, and does nothing on plain PostgreSQL. It reads the tables from the catalog, not
from a list: a tenant table is one with a NOT NULL `workspace_id`, so the tables of every
later migration are distributed too. It is idempotent: a table Citus already knows is left
as it is. Tables are taken parents first (by their foreign keys), as Citus requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import TopologicalSorter

from alembic.operations import Operations
from alembic.operations.ops import CreateTableOp
from sqlalchemy import Connection, text
from sqlalchemy import Table as SaTable
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

# Alembic's bookkeeping stays on the coordinator alone: nothing references it.
LOCAL_TABLES = frozenset({"alembic_version"})
DISTRIBUTION_COLUMN = "workspace_id"

# Citus creates a trigger on a distributed table (and distributes a table with triggers)
# only with this on; the audit trail's triggers write co-located rows alone (docs/adr/0006).
ALLOW_TRIGGERS = "SET citus.enable_unsafe_triggers = on"
HAS_CITUS = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"

TABLES = """
SELECT c.relname::text AS name,
       EXISTS (SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attname = :column AND a.attnotnull
                  AND NOT a.attisdropped) AS tenant,
       coalesce((SELECT array_agg(DISTINCT r.relname::text)
                   FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid
                  WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid <> c.oid),
                '{}') AS parents
  FROM pg_class c
 WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
   AND NOT c.relispartition
 ORDER BY c.relname
"""

# Distributed ('h') and reference tables; not the local tables Citus may have added to its
# metadata on its own (partmethod 'n' with replication model 's').
KNOWN = """
SELECT logicalrelid::regclass::text AS name FROM pg_dist_partition
 WHERE partmethod = 'h' OR repmodel = 't'
"""

# The foreign keys between two tenant tables (not a table to itself), with their
# definitions: Citus distributes a table only once every table it references is
# distributed, and departments and employees reference each other.
TENANT_LINKS = """
SELECT k.conrelid::regclass::text AS child, k.confrelid::regclass::text AS parent,
       k.conname::text AS name, pg_get_constraintdef(k.oid) AS definition
  FROM pg_constraint k
 WHERE k.contype = 'f' AND k.conrelid <> k.confrelid
   AND k.conrelid::regclass::text = ANY(:tables) AND k.confrelid::regclass::text = ANY(:tables)
 ORDER BY 1, 3
"""


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    tenant: bool
    parents: tuple[str, ...]


def has_citus(conn: Connection) -> bool:
    return bool(conn.execute(text(HAS_CITUS)).scalar())


def tables(conn: Connection) -> list[Table]:
    """The schema's tables but Alembic's, global ones first, parents before children
    (links between tenant tables left out: they are set aside while distributing)."""
    rows = conn.execute(text(TABLES), {"column": DISTRIBUTION_COLUMN}).mappings().all()
    by_name = {
        row["name"]: Table(row["name"], row["tenant"], tuple(sorted(row["parents"])))
        for row in rows
        if row["name"] not in LOCAL_TABLES
    }
    graph = {
        t.name: [p for p in t.parents if not (t.tenant and by_name[p].tenant)]
        for t in by_name.values()
    }
    order = list(TopologicalSorter(graph).static_order())
    return sorted((by_name[name] for name in order), key=lambda t: t.tenant)


def distribute(conn: Connection) -> list[str]:
    """Distributes every table Citus does not know yet, in one transaction; returns the
    statements it ran (none on plain PostgreSQL). Triggers (the audit trail's) run on the
    shards: Citus is told that they only touch co-located rows (docs/adr/0006)."""
    if not has_citus(conn):
        return []
    known = set(conn.execute(text(KNOWN)).scalars())
    schema = tables(conn)
    anchor = next((t.name for t in schema if t.tenant), None)
    todo = [t for t in schema if t.name not in known]
    new_tenant = [t.name for t in todo if t.tenant]
    links = conn.execute(text(TENANT_LINKS), {"tables": new_tenant}).mappings().all()
    statements = [ALLOW_TRIGGERS.replace("SET", "SET LOCAL", 1)]
    # A transaction that distributes tables referencing reference tables must not open
    # parallel connections (Citus's rule).
    statements.append("SET LOCAL citus.multi_shard_modify_mode = 'sequential'")
    statements += [f"ALTER TABLE {link['child']} DROP CONSTRAINT {link['name']}" for link in links]
    for table in todo:
        if not table.tenant:
            statements.append(f"SELECT create_reference_table('{table.name}')")
        elif table.name == anchor:
            statements.append(
                f"SELECT create_distributed_table('{table.name}', '{DISTRIBUTION_COLUMN}')"
            )
        else:
            statements.append(
                f"SELECT create_distributed_table('{table.name}', '{DISTRIBUTION_COLUMN}', "
                f"colocate_with => '{anchor}')"
            )
    statements += [
        f"ALTER TABLE {link['child']} ADD CONSTRAINT {link['name']} {link['definition']}"
        for link in links
    ]
    if not todo:
        return []
    for statement in statements:
        conn.execute(text(statement))
    return statements


@Operations.implementation_for(CreateTableOp, replace=True)
def create_table(operations: Operations, operation: CreateTableOp) -> SaTable:
    """`op.create_table` in migrations. Once the schema is distributed, Citus refuses a new
    table's foreign key to a distributed or reference table (the new table is local): the
    table is then created without those keys, distributed like every other, and given
    them afterwards, all in the migration's transaction. Otherwise as Alembic does it."""
    table = operation.to_table(operations.migration_context)
    conn = operations.get_bind()
    known = set(conn.execute(text(KNOWN)).scalars()) if has_citus(conn) else set()
    held = [fk for fk in table.foreign_key_constraints if fk.referred_table.name in known]
    if not held:
        operations.impl.create_table(table)
        return table
    local = [fk for fk in table.foreign_key_constraints if fk not in held]
    conn.execute(CreateTable(table, include_foreign_key_constraints=local))
    for index in table.indexes:
        conn.execute(CreateIndex(index))
    distribute(conn)
    for fk in held:
        conn.execute(AddConstraint(fk))
    return table
