"""The per-workspace API limit is a route dependency: every API route that resolves the
caller carries it, and no page does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from atlas.app import create_app
from atlas.limits.dependencies import workspace_limit
from atlas.tenancy.guard import resolve_caller


def _routes() -> Iterator[tuple[str, Dependant]]:
    for route in create_app().routes:
        if isinstance(route, APIRoute):
            yield route.path, route.dependant
        candidates: Callable[[], list[Any]] | None = getattr(route, "effective_candidates", None)
        for context in candidates() if candidates else []:
            yield context.path, context.dependant


def _calls(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _calls(d, call) for d in dependant.dependencies)


def test_every_api_route_with_a_caller_counts_against_the_workspace_limit() -> None:
    routes = list(_routes())
    api = [(path, dep) for path, dep in routes if path.startswith("/api/")]
    guarded = [path for path, dep in api if _calls(dep, resolve_caller)]
    assert "/api/v1/projects" in guarded
    assert "/api/v1/auth/sessions" in guarded
    assert [
        path for path, dep in api if _calls(dep, resolve_caller) != _calls(dep, workspace_limit)
    ] == []
    pages = [path for path, dep in routes if not path.startswith("/api/")]
    assert "/w/{workspace_ref}/projects" in pages
    assert [path for path, dep in routes if path in pages and _calls(dep, workspace_limit)] == []
