"""Route dependencies: `dependencies=[Depends(limit("sign-in"))]`.

The auth actions count per client IP and per email of the JSON body (when it has one;
sign-in per email and client IP);
emails a signed-in account causes (invitations, verification emails) count per account
and per client IP.

`workspace_limit` counts every API request made in a workspace; app.py includes the
tenant API routers with it, and the account routes of identity that resolve the caller
name it themselves. Pages are not counted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, Request

from atlas.limits.limiter import account_key, limiter_of
from atlas.proxies import client_ip
from atlas.tenancy.guard import Caller, CurrentPrincipal, resolve_caller

AuthAction = Literal["sign-in", "sign-up", "password-reset", "email-token"]
AccountAction = Literal["invitations", "verification-email"]
Action = AuthAction | AccountAction


async def _body_email(request: Request) -> str | None:
    """The body's `email` (FastAPI has parsed and cached the JSON body by now)."""
    if "json" not in request.headers.get("content-type", ""):
        return None
    body: Any = await request.json()
    email = body.get("email") if isinstance(body, dict) else None
    return email if isinstance(email, str) else None


async def check_auth_limit(request: Request, action: AuthAction, email: str | None) -> None:
    """Counts an auth request per client IP and per email (also for the HTML forms)."""
    limiter = limiter_of(request)
    settings = limiter.settings
    ip = client_ip(request) or "unknown"
    counters = [(f"{action}:ip:{ip}", settings.rate_limit_auth_per_ip)]
    if email:
        account = f"{action}:account:{account_key(email)}"
        if action == "sign-in":
            # Per account *and* IP: requests from anywhere else must not use up the owner's
            # sign-ins; guessing across IPs is bounded by the per-account failure throttle.
            account += f":ip:{ip}"
        counters.append((account, settings.rate_limit_auth_per_account))
    await limiter.check(counters)


def _auth_limit(action: AuthAction) -> Callable[[Request], Awaitable[None]]:
    async def dependency(request: Request) -> None:
        await check_auth_limit(request, action, await _body_email(request))

    return dependency


def _account_limit(action: AccountAction) -> Callable[..., Awaitable[None]]:
    async def dependency(request: Request, principal: CurrentPrincipal) -> None:
        limiter = limiter_of(request)
        settings = limiter.settings
        per_account = (
            settings.rate_limit_invitations_per_account
            if action == "invitations"
            else settings.rate_limit_auth_per_account
        )
        ip = client_ip(request) or "unknown"
        await limiter.check(
            [
                (f"{action}:account:{principal.user_id}", per_account),
                (f"{action}:ip:{ip}", settings.rate_limit_auth_per_ip),
            ]
        )

    return dependency


def limit(action: Action) -> Callable[..., Awaitable[None]]:
    """The dependency counting one request of `action`; 429 `rate_limited` when over."""
    if action == "invitations" or action == "verification-email":
        return _account_limit(action)
    return _auth_limit(action)


async def workspace_limit(
    request: Request, caller: Annotated[Caller, Depends(resolve_caller)]
) -> None:
    """Counts an API request made in a workspace against the member's budget there, then
    against the workspace's (settings.rate_limit_api_per_member, _per_workspace; 0 turns
    one off). A request in no workspace is not counted.

    A request the member's limit refuses is not counted for the workspace: one member
    hammering the API spends only their own budget, never the other members'. It shares
    the guard's cached `resolve_caller`, so the guard's single round trip stays single."""
    workspace = caller.workspace
    if workspace is None:
        return
    limiter = limiter_of(request)
    settings = limiter.settings
    if workspace.api_key_id is not None and settings.rate_limit_api_per_key:
        key = f"api:key:{workspace.api_key_id}"
        await limiter.check([(key, settings.rate_limit_api_per_key)])
    if settings.rate_limit_api_per_member:
        key = f"api:member:{workspace.workspace_id}:{workspace.user_id}"
        await limiter.check([(key, settings.rate_limit_api_per_member)])
    if settings.rate_limit_api_per_workspace:
        key = f"api:ws:{workspace.workspace_id}"
        await limiter.check([(key, settings.rate_limit_api_per_workspace)])
