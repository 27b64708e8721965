"""Who may see a page: the same guard as the API, answered with pages instead of JSON.

Anonymous callers of a signed-in page are sent to the sign-in page; a workspace page
(`/w/{workspace_ref}/…`) of a workspace the caller is not a member of answers the 404
page, and a missing permission the 403 page (see `atlas.web.errors`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from atlas.errors import Unauthenticated
from atlas.tenancy.guard import Db, account_holder, current_session_principal, resolve_caller
from atlas.web.render import PageContext


async def public_page(request: Request, db: Db) -> PageContext:
    """A page for everyone; it knows the caller when there is one."""
    try:
        caller = await resolve_caller(request)
    except Unauthenticated:
        return PageContext(request, db)
    return PageContext(request, db, account_holder(caller), caller.workspace)


async def signed_in_page(request: Request, db: Db) -> PageContext:
    """A page of the account (not of one workspace): for a session, never a workspace token."""
    caller = await resolve_caller(request)
    return PageContext(request, db, await current_session_principal(caller), None)


def workspace_page(permission: str) -> Callable[..., Awaitable[PageContext]]:
    """A page of the workspace in the URL, for members holding `permission`."""

    async def dependency(request: Request, db: Db) -> PageContext:
        caller = await resolve_caller(request)
        # Made before any refusal, so that the error page knows who is asking (pages are
        # for people: an API key is refused).
        page = PageContext(request, db, account_holder(caller), caller.workspace)
        if caller.workspace is None:
            assert caller.workspace_error is not None
            raise caller.workspace_error
        caller.workspace.require(permission)
        return page

    return dependency


PublicPage = Annotated[PageContext, Depends(public_page)]
SignedInPage = Annotated[PageContext, Depends(signed_in_page)]
