"""Every SQL statement of the source runs on plain PostgreSQL and on Citus alike.

With tenant tables distributed by `workspace_id` and the global tables as reference tables,
Citus refuses some statement shapes that PostgreSQL runs (docs/scaling.md). This walks the
SQL string literals of src/atlas (migrations excepted: their SQL runs once, on the
coordinator), f-strings with the module's own constants filled in, and fails on each shape:

- a sub-select in an INSERT's VALUES ("subqueries are not supported within INSERT queries");
- a sub-select or a non-immutable function in RETURNING;
- a non-immutable function in ON CONFLICT ... DO UPDATE SET, or inside a CASE or COALESCE
  of an INSERT or UPDATE;
- `unnest(` feeding an INSERT ... SELECT (Citus runs it as COPY, which row-level security
  refuses);
- FOR UPDATE/SHARE without a `workspace_id =` filter in the statement (a lock that is not
  on one shard).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "atlas"
FLAGS = re.IGNORECASE | re.DOTALL

# (file, check, a fragment of the statement): why that statement may keep its shape.
ALLOWED = {
    (
        "mail/repository.py",
        "lock_without_workspace",
        "FROM outbox_messages d",
    ): "the outbox is a global (reference) table: the claim locks its own rows, on no shard",
    (
        "workspaces/repository.py",
        "lock_without_workspace",
        "FROM workspaces w WHERE w.id = $1 FOR UPDATE",
    ): "a workspace's own global (reference) row, locked by its id before its change is audited",
}

NOT_IMMUTABLE = re.compile(
    r"\b(?:now|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday|random"
    r"|gen_random_uuid|current_setting|nextval)\s*\("
    r"|\b(?:current_timestamp|current_date|current_time|localtimestamp|localtime)\b",
    FLAGS,
)
SUBSELECT = re.compile(r"\(\s*SELECT\b", FLAGS)
LOCK = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b", FLAGS)
TABLE = re.compile(r"\b(?:FROM|JOIN)\s+(?:ONLY\s+)?\"?([a-z_]+)\"?", FLAGS)
WORKSPACE_FILTER = re.compile(r"\bworkspace_id\s*=", FLAGS)


def _after(keyword: str, sql: str, until: str = r"$") -> str | None:
    """The text after the last `keyword` up to the first `until` (or the end), if any."""
    found = list(re.finditer(keyword, sql, FLAGS))
    if not found:
        return None
    rest = sql[found[-1].end() :]
    return re.split(until, rest, maxsplit=1, flags=FLAGS)[0]


def _conditionals(sql: str) -> Iterator[str]:
    """The CASE ... END and COALESCE(...) expressions of `sql`, nested ones included."""
    for match in re.finditer(r"\bcoalesce\s*\(", sql, FLAGS):
        depth, end = 1, match.end()
        while depth and end < len(sql):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        yield sql[match.start() : end]
    for match in re.finditer(r"\bCASE\b", sql, FLAGS):
        depth = 0
        for word in re.finditer(r"\b(?:CASE|END)\b", sql[match.start() :], FLAGS):
            depth += 1 if word.group().upper() == "CASE" else -1
            if depth == 0:
                yield sql[match.start() : match.start() + word.end()]
                break


def violations_in_statement(sql: str) -> list[str]:
    """The checks that `sql` (one statement, or a fragment of one) fails."""
    found = []
    kind = sql.lstrip(" (").split(" ", 1)[0].upper()
    if kind == "INSERT":
        values = _after(r"\bVALUES\b", sql, r"\bON\s+CONFLICT\b|\bRETURNING\b")
        if values is not None and SUBSELECT.search(values):
            found.append("subselect_in_values")
        if re.search(r"\bSELECT\b", sql, FLAGS) and re.search(r"\bunnest\s*\(", sql, FLAGS):
            found.append("unnest_insert_select")
        do_update = _after(r"\bDO\s+UPDATE\s+SET\b", sql, r"\bRETURNING\b")
        if do_update is not None and NOT_IMMUTABLE.search(do_update):
            found.append("function_in_do_update")
    if kind in ("INSERT", "UPDATE", "DELETE"):
        returning = _after(r"\bRETURNING\b", sql)
        if returning is not None and SUBSELECT.search(returning):
            found.append("subselect_in_returning")
        if returning is not None and NOT_IMMUTABLE.search(returning):
            found.append("function_in_returning")
    written = re.split(r"\bRETURNING\b", sql, maxsplit=1, flags=FLAGS)[0]
    if kind in ("INSERT", "UPDATE") and any(
        NOT_IMMUTABLE.search(expression) for expression in _conditionals(written)
    ):
        found.append("function_in_case_or_coalesce")
    if LOCK.search(sql) and TABLE.search(sql) and not WORKSPACE_FILTER.search(sql):
        found.append("lock_without_workspace")
    return found


class _Literals:
    """The string literals of one module, f-strings rendered with the module's constants
    (and its classes' attributes) filled in; anything else reads `?`."""

    def __init__(self, tree: ast.Module) -> None:
        self.constants: dict[str, ast.expr] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef):
                for statement in node.body:
                    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                        target = statement.targets[0]
                        if isinstance(target, ast.Name):
                            self.constants[target.id] = statement.value

    def render(self, node: ast.expr, depth: int = 0) -> str:
        if depth > 10:
            return "?"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(
                self.render(part.value if isinstance(part, ast.FormattedValue) else part, depth)
                for part in node.values
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.render(node.left, depth) + self.render(node.right, depth)
        if isinstance(node, ast.IfExp):  # the text with the option in it: `"FOR UPDATE" if lock`
            return self.render(node.body, depth)
        name = node.id if isinstance(node, ast.Name) else None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            name = node.attr if node.value.id in ("self", "cls") else None
        if name in self.constants:
            return self.render(self.constants[name], depth + 1)
        return "?"

    def statements(self, tree: ast.Module) -> Iterator[tuple[int, str]]:
        parts: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr | ast.BinOp):
                parts.update(id(child) for child in ast.iter_child_nodes(node))
                if isinstance(node, ast.JoinedStr):
                    parts.update(
                        id(v.value) for v in node.values if isinstance(v, ast.FormattedValue)
                    )
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp) and id(node) not in parts:
                text = " ".join(self.render(node).split())
                if re.search(r"\b(?:SELECT|INSERT|UPDATE|DELETE)\b", text):
                    yield node.lineno, text


def violations_in(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename)
    found = []
    for lineno, sql in _Literals(tree).statements(tree):
        for check in violations_in_statement(sql):
            allowed = any(
                (filename, check) == (file, rule) and fragment in sql
                for file, rule, fragment in ALLOWED
            )
            if not allowed:
                found.append(f"{filename}:{lineno} {check}")
    return found


def _sources() -> Iterator[tuple[str, str]]:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative.parts[0] != "migrations":
            yield str(relative), path.read_text()


def test_the_checker_catches_each_shape() -> None:
    shapes = {
        "INSERT INTO t (a, b) VALUES ($1, coalesce($2, (SELECT x FROM w WHERE id = $1)))": [
            "subselect_in_values"
        ],
        "INSERT INTO t (a) VALUES ($1) RETURNING a, (SELECT count(*) FROM u) AS n": [
            "subselect_in_returning"
        ],
        "UPDATE t SET a = $2 WHERE id = $1 RETURNING CASE WHEN e <= now() THEN 1 END": [
            "function_in_returning",
        ],
        "INSERT INTO s (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET at = now() RETURNING a": [
            "function_in_do_update"
        ],
        "UPDATE t SET at = CASE WHEN $2 IS NULL THEN at ELSE now() END WHERE id = $1": [
            "function_in_case_or_coalesce"
        ],
        "UPDATE t SET at = coalesce($2, clock_timestamp()) WHERE id = $1": [
            "function_in_case_or_coalesce"
        ],
        "INSERT INTO t (a, b) SELECT $1, u.b FROM unnest($2::int[]) AS u(b)": [
            "unnest_insert_select"
        ],
        "SELECT * FROM invitations WHERE lower(email) = lower($1) FOR UPDATE": [
            "lock_without_workspace"
        ],
    }
    for sql, checks in shapes.items():
        assert violations_in_statement(sql) == checks, sql
    # The shapes Citus runs: plain values, now() as a value, locks on one workspace's rows.
    for sql in (
        "INSERT INTO t (a, at) VALUES ($1, now()) ON CONFLICT (a) DO UPDATE SET"
        " n = t.n + 1, at = excluded.at RETURNING t.n",
        "UPDATE t SET at = now(), n = CASE WHEN n + $2 = m THEN 1 ELSE n END WHERE id = $1",
        "INSERT INTO t (a, b) VALUES ($1, $2), ($1, $3) RETURNING a",
        "SELECT * FROM invitations i WHERE i.workspace_id = $1 AND i.id = $2 FOR UPDATE",
    ):
        assert violations_in_statement(sql) == [], sql


def test_the_checker_reads_constants_into_f_strings() -> None:
    sample = (
        'COLUMNS = """a, (SELECT b FROM u) AS b"""\n'
        "class R:\n"
        '    _LOCKED = "SELECT a FROM projects"\n'
        "    async def f(self, db):\n"
        '        await db.fetch(f"UPDATE t SET a = 1 WHERE id = $1 RETURNING {COLUMNS}")\n'
        "        await db.fetch(f\"{self._LOCKED} WHERE id = $1 {'FOR UPDATE' if x else ''}\")\n"
    )
    assert violations_in(sample, "sample.py") == [
        "sample.py:5 subselect_in_returning",
        "sample.py:6 lock_without_workspace",
    ]


def test_every_statement_runs_on_citus() -> None:
    found = []
    for filename, source in _sources():
        found += violations_in(source, filename)
    assert found == []


def test_every_allowed_exception_still_exists() -> None:
    sources = dict(_sources())
    for file, check, fragment in ALLOWED:
        tree = ast.parse(sources[file])
        assert any(
            fragment in sql and check in violations_in_statement(sql)
            for _, sql in _Literals(tree).statements(tree)
        ), (file, check, fragment)
