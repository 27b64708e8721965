"""The WorkspaceGuard: who is calling, in which workspace, with which role.

Every request re-reads the session, the membership and the role from the database in
one statement (`atlas_request_context`), which also sets the transaction's tenant
context. The workspace comes from a workspace token's `wid`, else the route's `{workspace_ref}`
path parameter (id or slug: `/api/v1/workspaces/{workspace_ref}`, `/w/{workspace_ref}/…`),
else the X-Workspace-Id header, else the session's active workspace. A header or path
that contradicts the token is refused; a workspace the caller is not a member of
answers 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from atlas.config import Settings
from atlas.credentials import looks_like_jwt, read_api_key, read_workspace_token, token_hash
from atlas.db.pool import request_connection
from atlas.errors import AtlasError, Forbidden, NotFound, Unauthenticated
from atlas.observability import bind_log_context
from atlas.proxies import client_ip
from atlas.tenancy.context import Principal, TwoFactorRequired, WorkspaceContext
from atlas.tenancy.permissions import permissions_of

SESSION_COOKIE = "atlas_session"
WORKSPACE_HEADER = "x-workspace-id"

Db = Annotated[asyncpg.Connection, Depends(request_connection)]

REQUEST_CONTEXT_SQL = "SELECT * FROM atlas_request_context($1, $2, $3, $4, $5, $6, $7, $8)"


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal
    workspace: WorkspaceContext | None
    workspace_error: AtlasError | None


def _credentials(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    return request.cookies.get(SESSION_COOKIE)


def _same_workspace(header: str, workspace_id: uuid.UUID, slug: str | None) -> bool:
    return header.lower() == str(workspace_id) or header == slug


async def resolve_caller(request: Request) -> Caller:
    # The request transaction's connection, read directly rather than as a dependency of
    # its own: every dependency that shares the guard would resolve it again.
    db = await request_connection(request)
    settings: Settings = request.app.state.settings
    credential = _credentials(request)
    if credential is None:
        raise Unauthenticated("Sign in to continue.")
    header = request.headers.get(WORKSPACE_HEADER) or None
    path_ref: str | None = request.path_params.get("workspace_ref")

    peer_ip = client_ip(request)
    claims = None
    api_key = read_api_key(credential)
    # The workspace a token or a key is bound to: nothing else may be named.
    bound: uuid.UUID | None = None
    if api_key is not None:
        bound = api_key.workspace_id
        row = await db.fetchrow(
            REQUEST_CONTEXT_SQL,
            api_key.secret_hash,
            None,
            str(api_key.workspace_id),
            settings.session_ttl_seconds,
            settings.session_refresh_seconds,
            request.state.request_id,
            peer_ip,
            api_key.key_id,
        )
        if row is None:
            raise Unauthenticated(
                "The API key is invalid, expired or revoked, or its creator has left the"
                " workspace.",
                code="invalid_api_key",
            )
    elif looks_like_jwt(credential):
        claims = read_workspace_token(request.app.state.signing_key, credential)
        if claims is None:
            raise Unauthenticated(
                "The workspace token is invalid or expired.", code="invalid_token"
            )
        row = await db.fetchrow(
            REQUEST_CONTEXT_SQL,
            None,
            claims.session_id,
            str(claims.workspace_id),
            settings.session_ttl_seconds,
            settings.session_refresh_seconds,
            request.state.request_id,
            peer_ip,
            None,
        )
        bound = claims.workspace_id
        if row is not None and row["user_id"] != claims.user_id:
            row = None
    else:
        row = await db.fetchrow(
            REQUEST_CONTEXT_SQL,
            token_hash(credential),
            None,
            path_ref or header,
            settings.session_ttl_seconds,
            settings.session_refresh_seconds,
            request.state.request_id,
            peer_ip,
            None,
        )
    if row is None:
        raise Unauthenticated("Your session has ended; sign in again.", code="invalid_session")

    principal = Principal(
        user_id=row["user_id"],
        email=row["user_email"],
        name=row["user_name"],
        session_id=row["session_id"],
        session_expires_at=row["session_expires_at"],
        active_workspace_id=row["active_workspace_id"],
        via_workspace_token=claims is not None,
        locale=row["user_locale"],
        authenticated_by=row["session_authenticated_by"],
        via_api_key=api_key is not None,
    )
    bind_log_context(user_id=str(principal.user_id))

    workspace: WorkspaceContext | None = None
    error: AtlasError | None = None
    named = [ref for ref in (path_ref, header) if ref is not None]
    if bound is not None and any(
        not _same_workspace(ref, bound, row["workspace_slug"]) for ref in named
    ):
        error = Forbidden(
            "The URL or the X-Workspace-Id header names another workspace than the credential's.",
            code="workspace_mismatch",
        )
    elif row["two_factor_required"]:
        # The statement did not enter the workspace; say why, and how to get in.
        error = TwoFactorRequired()
    elif row["member_role"] is not None:
        role = row["member_role"]
        workspace = WorkspaceContext(
            workspace_id=row["workspace_id"],
            workspace_slug=row["workspace_slug"],
            workspace_name=row["workspace_name"],
            user_id=principal.user_id,
            role=role,
            permissions=_permissions(row),
            request_id=request.state.request_id,
            locale=row["workspace_locale"],
            time_zone=row["workspace_timezone"],
            api_key_id=row["api_key_id"],
        )
        bind_log_context(workspace_id=str(workspace.workspace_id))
    elif claims or path_ref or header or row["workspace_id"] is not None:
        error = NotFound("Workspace not found.", code="workspace_not_found")
    else:
        error = Forbidden(
            "Select a workspace first (POST /api/v1/workspaces/active or X-Workspace-Id).",
            code="no_workspace_selected",
        )
    return Caller(principal=principal, workspace=workspace, workspace_error=error)


def _permissions(row: asyncpg.Record) -> frozenset[str]:
    """The member's permissions; for an API key, those of the key that its creator holds
    now (a key never does more than the member who made it can do today)."""
    held = permissions_of(row["member_role"], row["role_permissions"])
    if row["api_key_id"] is None:
        return held
    if row["key_role"] is not None:
        return held & permissions_of(row["key_role"])
    return held & frozenset(row["key_permissions"] or ())


def account_holder(caller: Caller) -> Principal:
    """The signed-in user, for what belongs to the account: never through an API key, which
    acts only in its workspace's data."""
    if caller.principal.via_api_key:
        raise Forbidden(
            "An API key acts only in its workspace's data; use a session.",
            code="session_required",
        )
    return caller.principal


async def current_principal(caller: Annotated[Caller, Depends(resolve_caller)]) -> Principal:
    return account_holder(caller)


async def current_session_principal(
    caller: Annotated[Caller, Depends(resolve_caller)],
) -> Principal:
    """Account actions (sessions, passwords, tokens, keys) need the session itself, not a
    workspace token or an API key."""
    account_holder(caller)
    if caller.principal.via_workspace_token:
        raise Forbidden(
            "A workspace token cannot manage the account; use the session.", code="session_required"
        )
    return caller.principal


def _workspace_of(caller: Caller) -> WorkspaceContext:
    if caller.workspace is None:
        assert caller.workspace_error is not None
        raise caller.workspace_error
    return caller.workspace


async def current_workspace(caller: Annotated[Caller, Depends(resolve_caller)]) -> WorkspaceContext:
    return _workspace_of(caller)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
SessionPrincipal = Annotated[Principal, Depends(current_session_principal)]
CurrentWorkspace = Annotated[WorkspaceContext, Depends(current_workspace)]


def require(permission: str) -> Callable[[Caller], Awaitable[WorkspaceContext]]:
    """A dependency giving the workspace context if it holds `permission` (else 403).

    Modules name their aliases: `ProjectsCreate = Annotated[WorkspaceContext,
    Depends(require("projects:create"))]`.
    """

    async def dependency(caller: Annotated[Caller, Depends(resolve_caller)]) -> WorkspaceContext:
        ctx = _workspace_of(caller)
        ctx.require(permission)
        return ctx

    return dependency
