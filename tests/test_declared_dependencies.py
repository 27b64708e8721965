"""What the service and the benchmarks import is declared in pyproject.toml: a fresh
`make install-dev` gives everything `make run`, `make test` and `make bench` need."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.conftest import ROOT

OWN = {"atlas", "bench", "tests"}


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _declared(extras: tuple[str, ...]) -> set[str]:
    """Distributions named in pyproject.toml: what is imported is declared itself, not
    left to arrive with something else."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for extra in extras:
        declared |= {_name(r) for r in project["optional-dependencies"][extra]}
    return declared


def _imported(folder: Path) -> set[str]:
    modules = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - OWN - set(sys.stdlib_module_names)


@pytest.mark.parametrize(
    ("folder", "extras"), [("src/atlas", ()), ("bench", ("dev",))], ids=["service", "bench"]
)
def test_every_imported_package_is_declared(folder: str, extras: tuple[str, ...]) -> None:
    providers = packages_distributions()
    declared = _declared(extras)
    undeclared = {
        module: providers.get(module, ["(not installed)"])
        for module in sorted(_imported(ROOT / folder))
        if not any(_name(dist) in declared for dist in providers.get(module, []))
    }
    assert undeclared == {}, f"declare these in pyproject.toml: {undeclared}"
