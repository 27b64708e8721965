"""Tenant tables are queried only from repository modules (the second wall's lint)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from atlas.schema import tenant_tables

SRC = Path(__file__).resolve().parents[2] / "src" / "atlas"
TENANT = {t.name for t in tenant_tables()}
SQL_REFERENCE = re.compile(
    r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|DELETE\s+FROM)\s+(?:ONLY\s+)?\"?([a-z_]+)\"?", re.IGNORECASE
)
# Where tenant tables may legitimately be named: repositories, the schema and migrations.
ALLOWED = ("repository.py", "tables.py")
ALLOWED_DIRS = ("migrations",)


def violations_in(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in SQL_REFERENCE.finditer(node.value):
                if match.group(1).lower() in TENANT:
                    found.append(f"{filename}:{node.lineno} queries {match.group(1)}")
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".tables"):
            for alias in node.names:
                if alias.name in TENANT:
                    found.append(f"{filename}:{node.lineno} imports table {alias.name}")
    return found


def test_the_checker_catches_a_query_outside_a_repository() -> None:
    sample = 'async def f(db):\n    return await db.fetch("SELECT * FROM projects")\n'
    assert violations_in(sample, "service.py") == ["service.py:2 queries projects"]
    imported = "from atlas.projects.tables import tasks\n"
    assert violations_in(imported, "service.py") == ["service.py:1 imports table tasks"]


def test_no_module_but_repositories_queries_a_tenant_table() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if path.name in ALLOWED or relative.parts[0] in ALLOWED_DIRS:
            continue
        found += violations_in(path.read_text(), str(relative))
    assert found == []
