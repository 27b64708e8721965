"""The import rules between the packages of src/atlas, read from the source with `ast`.

Every import (at module level, inside functions and under `TYPE_CHECKING`) becomes an
arrow (from-package, to-package, to-submodule). The test fails on an arrow that `ALLOWED`
does not declare, on a kernel package importing anything but the kernel, and on an
import of another module's `repository` that `REPOSITORY_EXCEPTIONS` does not name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import atlas

SRC = Path(atlas.__file__).parent

# Importable by every package; they import only each other. "atlas" is the package's own
# `__init__` (the version); credentials: token hashes, passwords and workspace tokens,
# which the guard reads; locales: the set pages format values in, which the guard reads;
# reporting: what the reports' routes share (dates, currency, CSV).
KERNEL = frozenset(
    {
        "atlas",
        "clock",
        "config",
        "credentials",
        "db",
        "errors",
        "health",
        "locales",
        "observability",
        "pagination",
        "proxies",
        "reporting",
        "runtime",
        "tenancy",
        "validation",
    }
)

# For each package above the kernel: the other packages it may import, and which of their
# submodules ("" is the package's `__init__`). Business modules meet through `service`;
# any other submodule named here is today's reality, kept on purpose.
ALLOWED: dict[str, dict[str, frozenset[str]]] = {
    # roles: the grant rule, role names and permission sets; tables: the custom role key.
    "apikeys": {"roles": frozenset({"service", "schemas", "tables"})},
    "audit": {},
    # finance.schemas: the receivables and latest invoices the finance service returns.
    "dashboard": {
        "finance": frozenset({"service", "schemas"}),
        "hr": frozenset({"service"}),
        "projects": frozenset({"service"}),
    },
    # hr.schemas: the employee fields an export leaves out; schema: every tenant table.
    "exports": {
        "audit": frozenset({"service"}),
        "hr": frozenset({"service", "schemas"}),
        "schema": frozenset({""}),
    },
    # timesheets.schemas: the uninvoiced entries an invoice from time is made of.
    # ledger: the postings of invoices, credit notes and payments; mail: invoices sent.
    "finance": {
        "ledger": frozenset({"service"}),
        "mail": frozenset({"repository"}),
        "numbering": frozenset({"repository"}),
        "timesheets": frozenset({"service", "schemas"}),
    },
    "hr": {"numbering": frozenset({"repository"})},
    "ledger": {"numbering": frozenset({"repository"})},
    "identity": {
        "limits": frozenset({"dependencies"}),
        "mail": frozenset({"repository"}),
    },
    "limits": {},
    "mail": {},
    "numbering": {},
    "projects": {},
    "roles": {},
    # The global search: each module's search function of its own records.
    "search": {
        "finance": frozenset({"service"}),
        "hr": frozenset({"service"}),
        "projects": frozenset({"service"}),
    },
    # hr: the caller's own employee and the employee's row lock; projects: that a project
    # exists.
    "timesheets": {"hr": frozenset({"service"}), "projects": frozenset({"service"})},
    "workspaces": {
        # hr, projects: a member who goes lets go of their employee record and tasks.
        "hr": frozenset({"service"}),
        # ledger: a new workspace's books.
        "ledger": frozenset({"service"}),
        "projects": frozenset({"service"}),
        # schemas: the workspace token's answer; two_factor: who has a second factor.
        "identity": frozenset({"service", "schemas", "two_factor"}),
        "limits": frozenset({"dependencies"}),
        "mail": frozenset({"repository"}),
        # schemas and tables: the role names and the members' role column.
        "roles": frozenset({"service", "schemas", "tables"}),
    },
    # The pages: every module's service and the bodies its forms fill (schemas), plus
    # identity's request helpers (CSRF, the session cookie), the mail sender, money
    # formatting and the projects' status column.
    "web": {
        "apikeys": frozenset({"service", "schemas"}),
        "audit": frozenset({"service", "schemas"}),
        "dashboard": frozenset({"service"}),
        "finance": frozenset({"service", "schemas", "money"}),
        "hr": frozenset({"service", "schemas"}),
        "identity": frozenset({"service", "schemas", "csrf", "http", "two_factor", "passkeys"}),
        # reports: the financial reports' functions (the ledger's service of its reports).
        "ledger": frozenset({"service", "schemas", "reports"}),
        "limits": frozenset({"dependencies"}),
        "mail": frozenset({"sender"}),
        "projects": frozenset({"service", "schemas", "tables"}),
        "roles": frozenset({"service", "schemas"}),
        "search": frozenset({"service", "schemas"}),
        "timesheets": frozenset({"service", "schemas"}),
        "workspaces": frozenset({"service", "schemas"}),
    },
}

# Above every module: the wiring (app, cli, the schema registry, migrations, demo data).
ENDPOINTS = frozenset({"endpoints"})
TOP: dict[str, dict[str, frozenset[str]]] = {
    "__main__": {"cli": frozenset({""})},
    "app": {
        "apikeys": ENDPOINTS,
        "audit": ENDPOINTS,
        "exports": ENDPOINTS,
        "finance": ENDPOINTS,
        "hr": ENDPOINTS,
        "identity": frozenset({"endpoints", "csrf", "service", "two_factor"}),
        "ledger": ENDPOINTS,
        "limits": frozenset({"limiter", "dependencies"}),
        "mail": frozenset({"sender"}),
        "projects": ENDPOINTS,
        "roles": ENDPOINTS,
        "schema": frozenset({""}),  # the tenant tables the start-up role check verifies
        "search": ENDPOINTS,
        "timesheets": ENDPOINTS,
        # documents: the invoice's PDF and its sending, made from the print view.
        "web": frozenset({"app", "documents"}),
        "workspaces": ENDPOINTS,
    },
    # The books of documents from before them, workspace by workspace.
    "books_upgrade": {
        "finance": frozenset({"service"}),
        "ledger": frozenset({"service"}),
        "workspaces": frozenset({"service"}),
    },
    "cli": {
        "books_upgrade": frozenset({""}),
        "demo": frozenset({""}),
        "exports": frozenset({"service"}),
        "ledger": frozenset({"service"}),
    },
    "demo": {
        "finance": frozenset({"service", "schemas"}),
        "ledger": frozenset({"service"}),
        "hr": frozenset({"service", "schemas"}),
        "identity": frozenset({"repository"}),
        "projects": frozenset({"service", "schemas"}),
        "roles": frozenset({"service", "schemas"}),
        "timesheets": frozenset({"service", "schemas"}),
        "workspaces": frozenset({"service", "schemas", "repository"}),
    },
    "migrations": {"schema": frozenset({""})},
    # The schema registry: every module's tables on the one MetaData.
    "schema": {
        module: frozenset({"tables"})
        for module in (
            "apikeys",
            "audit",
            "finance",
            "hr",
            "identity",
            "ledger",
            "numbering",
            "projects",
            "roles",
            "timesheets",
            "workspaces",
        )
    },
}

# A business module's repository is its own; these arrows reach into another one's.
REPOSITORY_EXCEPTIONS: dict[tuple[str, str], str] = {
    # numbering and mail have no service: the sequence counter and the outbox are their
    # whole public interface, used inside the caller's transaction.
    ("finance", "numbering"): "NumberSequences: the per-workspace document numbers",
    ("ledger", "numbering"): "NumberSequences: the journal's entry numbers",
    ("hr", "numbering"): "NumberSequences: the per-workspace document numbers",
    ("identity", "mail"): "OutboxRepository: emails written in the same transaction",
    ("workspaces", "mail"): "OutboxRepository: invitation emails in the same transaction",
    ("finance", "mail"): "OutboxRepository: invoices emailed in the same transaction",
    # The demo data writes the first user and the members directly, without the sign-up
    # and invitation flows (no emails, no verification).
    ("demo", "identity"): "IdentityRepository: the demo users",
    ("demo", "workspaces"): "MembersRepository: the demo members",
}


@dataclass(frozen=True)
class Arrow:
    source: str  # the importing file, relative to src/atlas
    from_package: str
    to_package: str
    to_submodule: str

    def __str__(self) -> str:
        target = ".".join(p for p in (self.to_package, self.to_submodule) if p)
        return f"{self.source}: {self.from_package} -> {target}"


def _module_name(path: Path) -> list[str]:
    parts = ["atlas", *path.relative_to(SRC).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _package_of(parts: list[str]) -> str:
    return parts[1] if len(parts) > 1 else "atlas"


def _is_module(parts: list[str]) -> bool:
    path = SRC.joinpath(*parts[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imported(node: ast.Import | ast.ImportFrom, here: list[str], is_init: bool) -> list[list[str]]:
    """The dotted names an import statement loads, as parts ("from a import b" gives a.b
    when b is a module, else a)."""
    if isinstance(node, ast.Import):
        return [alias.name.split(".") for alias in node.names]
    if node.level:  # relative: resolved against the importing module's package
        base = here if is_init else here[:-1]
        base = base[: len(base) - node.level + 1]
        module = [*base, *(node.module.split(".") if node.module else [])]
    else:
        module = node.module.split(".") if node.module else []
    names = []
    for alias in node.names:
        candidate = [*module, alias.name]
        names.append(candidate if module[:1] == ["atlas"] and _is_module(candidate) else module)
    return names


def arrows() -> list[Arrow]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        here = _module_name(path)
        source = str(path.relative_to(SRC))
        for node in ast.walk(ast.parse(path.read_text(), filename=source)):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for parts in _imported(node, here, path.name == "__init__.py"):
                if parts[:1] != ["atlas"]:
                    continue
                to_package = _package_of(parts)
                from_package = _package_of(here)
                if to_package != from_package:
                    submodule = parts[2] if len(parts) > 2 else ""
                    found.append(Arrow(source, from_package, to_package, submodule))
    return found


def _packages() -> set[str]:
    return {_package_of(_module_name(path)) for path in SRC.rglob("*.py")}


def test_every_package_is_declared() -> None:
    undeclared = _packages() - KERNEL - set(ALLOWED) - set(TOP)
    assert not undeclared, f"packages without declared arrows: {sorted(undeclared)}"


def test_the_reader_sees_imports_inside_functions_and_type_checking() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from atlas.hr import repository\n"
        "def f():\n    import atlas.finance.service\n"
    )
    seen = [
        parts
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for parts in _imported(node, ["atlas", "web", "x"], False)
    ]
    assert ["atlas", "hr", "repository"] in seen
    assert ["atlas", "finance", "service"] in seen


def test_the_kernel_imports_only_the_kernel() -> None:
    wrong = [str(a) for a in arrows() if a.from_package in KERNEL and a.to_package not in KERNEL]
    assert not wrong, "kernel packages import business modules:\n" + "\n".join(wrong)


def test_every_arrow_is_declared() -> None:
    wrong = []
    for arrow in arrows():
        if arrow.from_package in KERNEL or arrow.to_package in KERNEL:
            continue  # the kernel's own rule is the test above
        declared = {**ALLOWED, **TOP}.get(arrow.from_package, {})
        if arrow.to_submodule not in declared.get(arrow.to_package, frozenset()):
            wrong.append(str(arrow))
    assert not wrong, "undeclared imports (declare them in ALLOWED or remove them):\n" + "\n".join(
        wrong
    )


def test_no_module_reads_another_modules_repository() -> None:
    wrong = [
        str(a)
        for a in arrows()
        if a.to_submodule == "repository"
        and a.from_package not in KERNEL
        and (a.from_package, a.to_package) not in REPOSITORY_EXCEPTIONS
    ]
    assert not wrong, "imports of another module's repository:\n" + "\n".join(wrong)
