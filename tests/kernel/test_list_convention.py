"""One list convention: a service's `list_x(ctx, db, filters, page)`, `filters` from the
module's schemas; a repository's `list(*, checked filter values..., page)`.

See docs/architecture.md, "Lists".
"""

from __future__ import annotations

import importlib
import inspect
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg

from atlas.pagination import PageRequest
from atlas.tenancy.context import Principal, WorkspaceContext

SRC = Path(__file__).resolve().parents[2] / "src" / "atlas"

# Lists of the account, not of a workspace: the caller is a principal.
ACCOUNT_LISTS = {
    "atlas.workspaces.service.list_my_workspaces": ["principal", "db", "filters", "page"],
    "atlas.workspaces.service.list_received_invitations": ["principal", "db", "page"],
    "atlas.identity.service.list_sessions": ["principal", "db"],
}
# Not paged: an invoice's payments are few and shown with the invoice.
UNPAGED = {"atlas.finance.service.list_payments": ["ctx", "db", "invoice_id"]}


def _modules(name: str) -> Iterator[Any]:
    for path in sorted(SRC.glob(f"*/{name}.py")):
        yield importlib.import_module(f"atlas.{path.parent.name}.{name}")


def _functions() -> dict[str, Callable[..., Any]]:
    found = {}
    for module in _modules("service"):
        for name, fn in vars(module).items():
            defined_here = inspect.isfunction(fn) and fn.__module__ == module.__name__
            if name.startswith("list_") and defined_here:
                found[f"{module.__name__}.{name}"] = fn
    return found


def _parameters(fn: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_every_workspace_list_takes_ctx_db_filters_page() -> None:
    functions = _functions()
    assert len(functions) >= 17, sorted(functions)
    wrong = []
    for qualified, fn in functions.items():
        if qualified in ACCOUNT_LISTS or qualified in UNPAGED:
            continue
        hints = typing.get_type_hints(fn)
        schemas = fn.__module__.rsplit(".", 1)[0] + ".schemas"
        if (
            _parameters(fn) != ["ctx", "db", "filters", "page"]
            or hints["ctx"] is not WorkspaceContext
            or hints["db"] is not asyncpg.Connection
            or hints["filters"].__module__ != schemas
            or not hints["filters"].__name__.endswith("Filters")
            or hints["page"] is not PageRequest
        ):
            wrong.append(f"{qualified}{inspect.signature(fn)}")
    assert wrong == []


def test_the_lists_outside_the_convention_keep_their_shape() -> None:
    functions = _functions()
    pinned = {**ACCOUNT_LISTS, **UNPAGED}
    assert {name: _parameters(functions[name]) for name in pinned} == pinned
    for name in ACCOUNT_LISTS:
        assert typing.get_type_hints(functions[name])["principal"] is Principal
    my_workspaces = typing.get_type_hints(functions["atlas.workspaces.service.list_my_workspaces"])
    assert my_workspaces["filters"].__module__ == "atlas.workspaces.schemas"
    assert my_workspaces["page"] is PageRequest


def test_every_repository_list_takes_keywords_then_the_page() -> None:
    lists = {
        f"{module.__name__}.{cls.__name__}": cls.list
        for module in _modules("repository")
        for cls in vars(module).values()
        if inspect.isclass(cls) and cls.__module__ == module.__name__ and "list" in vars(cls)
    }
    assert len(lists) >= 15, sorted(lists)
    wrong = []
    for name, method in lists.items():
        parameters = list(inspect.signature(method).parameters.values())[1:]
        if (
            not parameters
            or parameters[-1].name != "page"
            or typing.get_type_hints(method)["page"] is not PageRequest
            or any(p.kind is not inspect.Parameter.KEYWORD_ONLY for p in parameters)
        ):
            wrong.append(f"{name}{inspect.signature(method)}")
    assert wrong == []
