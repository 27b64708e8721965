"""JSON routes of workspaces, members, invitations and workspace tokens."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request, status

from atlas.config import Settings
from atlas.db.pool import TransactionRoute
from atlas.identity.schemas import WorkspaceToken, WorkspaceTokenRequest
from atlas.limits.dependencies import limit
from atlas.pagination import Page, PageParams, Search, Sort
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import CurrentPrincipal, CurrentWorkspace, Db, SessionPrincipal, require
from atlas.workspaces import schemas, service

WorkspaceRead = Annotated[WorkspaceContext, Depends(require("workspace:read"))]
WorkspaceUpdate = Annotated[WorkspaceContext, Depends(require("workspace:update"))]
WorkspaceDelete = Annotated[WorkspaceContext, Depends(require("workspace:delete"))]
MembersRead = Annotated[WorkspaceContext, Depends(require("members:read"))]
MembersUpdate = Annotated[WorkspaceContext, Depends(require("members:update"))]
MembersRemove = Annotated[WorkspaceContext, Depends(require("members:remove"))]
InvitationsRead = Annotated[WorkspaceContext, Depends(require("invitations:read"))]
InvitationsCreate = Annotated[WorkspaceContext, Depends(require("invitations:create"))]
InvitationsCancel = Annotated[WorkspaceContext, Depends(require("invitations:cancel"))]

router = APIRouter(prefix="/api/v1", tags=["workspaces"], route_class=TransactionRoute)

# Read by the guard, which resolves the route's workspace from it.
WorkspaceRef = Annotated[str, Path(description="The workspace's id or slug.")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# --- workspaces ---------------------------------------------------------------------------


@router.post("/workspaces", status_code=status.HTTP_201_CREATED)
async def create_workspace(
    data: schemas.WorkspaceCreate, principal: SessionPrincipal, db: Db
) -> schemas.Workspace:
    """Create a workspace; the caller becomes its owner and, signed in with a session,
    it becomes the session's active workspace.

    Without a slug, one is made from the name (and numbered if taken); a slug given and
    taken answers 409 `slug_taken`.
    """
    return await service.create_workspace(principal, db, data)


@router.get("/workspaces")
async def list_workspaces(
    principal: SessionPrincipal,
    db: Db,
    page: PageParams,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.Workspace]:
    """The workspaces the caller belongs to, with the caller's role in each; q searches
    the name; sort by name (default), slug, role or created_at."""
    filters = schemas.WorkspaceFilters(q=q, sort=sort)
    return await service.list_my_workspaces(principal, db, filters, page)


@router.post("/workspaces/active")
async def set_active_workspace(
    data: schemas.ActiveWorkspaceRequest, principal: SessionPrincipal, db: Db
) -> schemas.Workspace | None:
    """Set (or clear, with null) the session's active workspace; 404 unless a member."""
    return await service.set_active_workspace(principal, db, data.workspace)


@router.get("/workspaces/{workspace_ref}")
async def get_workspace(
    workspace_ref: WorkspaceRef, ctx: WorkspaceRead, db: Db
) -> schemas.Workspace:
    """One workspace by id or slug, with the caller's role."""
    return await service.get_workspace(ctx, db)


@router.patch("/workspaces/{workspace_ref}")
async def update_workspace(
    workspace_ref: WorkspaceRef, data: schemas.WorkspaceUpdate, ctx: WorkspaceUpdate, db: Db
) -> schemas.Workspace:
    """Change the name, slug, base currency, time zone or fiscal year start month."""
    return await service.update_workspace(ctx, db, data)


@router.delete("/workspaces/{workspace_ref}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_workspace(
    workspace_ref: WorkspaceRef,
    ctx: WorkspaceDelete,
    db: Db,
    data: Annotated[schemas.WorkspaceDelete | None, Body()] = None,
    confirm: Annotated[
        str | None, Query(max_length=100, description="The workspace's slug.")
    ] = None,
) -> None:
    """Delete the workspace and all its data (owners only).

    Confirm with the workspace's slug, as `{"confirm": slug}` or `?confirm=slug`; otherwise
    422 `confirmation_required`.
    """
    await service.delete_workspace(ctx, db, data.confirm if data else confirm)


# --- the two-factor policy -------------------------------------------------------------


@router.get("/workspace/two-factor")
async def get_two_factor_policy(ctx: MembersRead, db: Db) -> schemas.TwoFactorPolicy:
    """Whether members must sign in with a second factor, and the members who cannot."""
    return await service.two_factor_policy(ctx, db)


@router.put("/workspace/two-factor")
async def set_two_factor_policy(
    data: schemas.TwoFactorPolicyUpdate, ctx: WorkspaceUpdate, principal: CurrentPrincipal, db: Db
) -> schemas.TwoFactorPolicy:
    """Require two-factor sign-in, or stop requiring it (owners only). Turning it on needs
    the owner's own second factor in the session used (409); from the next request on, a
    member's session without one is refused in this workspace (403 `two_factor_required`).
    The answer lists the members it locks out."""
    return await service.set_two_factor_policy(ctx, principal, db, data)


# --- the logo ---------------------------------------------------------------------------

LOGO_BODY = {
    "requestBody": {
        "required": True,
        "description": "The bytes of a PNG, JPEG or WebP image, as the body (not a form)."
        " Its kind is read from the bytes; the Content-Type header is not believed.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get("/workspace/logo")
async def get_logo(ctx: WorkspaceRead, db: Db) -> schemas.WorkspaceLogo:
    """The workspace's logo (its size, hash and URL); 404 `logo_not_found` if none."""
    return await service.require_logo(ctx, db)


@router.put("/workspace/logo", openapi_extra=LOGO_BODY)
async def put_logo(ctx: WorkspaceUpdate, db: Db, request: Request) -> schemas.WorkspaceLogo:
    """Upload the logo printed on invoices, replacing any: a PNG, JPEG or WebP image (told
    by its bytes) of at most 512 KiB and 4000 pixels a side. Over the size: 413
    `logo_too_large`; SVG, GIF or anything else: 422 `logo_type_unsupported`; a cut or
    damaged image: 422 `logo_unreadable`; too many pixels: 422
    `logo_dimensions_out_of_range`."""
    return await service.set_logo(ctx, db, await request.body())


@router.delete("/workspace/logo", status_code=status.HTTP_204_NO_CONTENT)
async def delete_logo(ctx: WorkspaceUpdate, db: Db) -> None:
    """Remove the logo; 404 `logo_not_found` if there is none."""
    await service.remove_logo(ctx, db)


@router.post("/auth/workspace-token", tags=["auth"])
async def issue_workspace_token(
    data: WorkspaceTokenRequest, request: Request, principal: SessionPrincipal, db: Db
) -> WorkspaceToken:
    """A short-lived workspace token (JWT) for one of the caller's workspaces.

    Send it as `Authorization: Bearer <token>`; the workspace is then taken from the
    token. Without `workspace`, the session's active workspace is used (403
    `no_workspace_selected` if there is none).
    """
    return await service.issue_workspace_token(
        principal, db, _settings(request), request.app.state.signing_key, data.workspace
    )


# --- members ------------------------------------------------------------------------------


@router.get("/members", tags=["members"])
async def list_members(
    ctx: MembersRead,
    db: Db,
    page: PageParams,
    role: Annotated[
        str | None, Query(max_length=64, description="Only members with this role.")
    ] = None,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.Member]:
    """The members of the current workspace; q searches names and emails; sort by name
    (default), email, role or created_at."""
    filters = schemas.MemberFilters(role=role, q=q, sort=sort)
    return await service.list_members(ctx, db, filters, page)


@router.post("/members/leave", status_code=status.HTTP_204_NO_CONTENT, tags=["members"])
async def leave_workspace(ctx: CurrentWorkspace, principal: SessionPrincipal, db: Db) -> None:
    """Leave the current workspace (409 `last_owner` for its last owner)."""
    await service.leave_workspace(ctx, principal, db)


@router.post("/members/transfer-ownership", tags=["members"])
async def transfer_ownership(
    data: schemas.OwnershipTransfer, ctx: CurrentWorkspace, db: Db
) -> schemas.Member:
    """Make another member an owner; the caller (an owner) becomes an admin."""
    return await service.transfer_ownership(ctx, db, data.member_id)


@router.patch("/members/{member_id}", tags=["members"])
async def change_member_role(
    member_id: uuid.UUID, data: schemas.MemberUpdate, ctx: MembersUpdate, db: Db
) -> schemas.Member:
    """Change a member's role. Only owners grant or revoke the owner role; the last owner
    stays an owner (409 `last_owner`)."""
    return await service.change_member_role(ctx, db, member_id, data.role)


@router.delete("/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["members"])
async def remove_member(member_id: uuid.UUID, ctx: MembersRemove, db: Db) -> None:
    """Remove a member; only owners remove owners, and never the last one."""
    await service.remove_member(ctx, db, member_id)


# --- invitations --------------------------------------------------------------------------


@router.post(
    "/invitations",
    status_code=status.HTTP_201_CREATED,
    tags=["invitations"],
    dependencies=[Depends(limit("invitations"))],
)
async def invite(
    data: schemas.InvitationCreate, request: Request, ctx: InvitationsCreate, db: Db
) -> schemas.Invitation:
    """Invite an email address with a role whose permissions the inviter holds.

    An older pending invitation to the same address is canceled, if the inviter could
    grant its role too (else 403 `permission_not_held`). The invitee gets an email with a
    single-use accept link.
    """
    return await service.invite(ctx, db, _settings(request), data)


@router.get("/invitations", tags=["invitations"])
async def list_invitations(
    ctx: InvitationsRead,
    db: Db,
    page: PageParams,
    status_filter: Annotated[
        schemas.InvitationStatus | None,
        Query(alias="status", description="Only invitations in this status."),
    ] = None,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.Invitation]:
    """The invitations of the current workspace, newest first; q searches the email; sort
    by created_at, email, status or expires_at. Pending invitations past their expiry are
    listed as `expired`."""
    filters = schemas.InvitationFilters(status=status_filter, q=q, sort=sort)
    return await service.list_invitations(ctx, db, filters, page)


@router.post(
    "/invitations/{invitation_id}/resend",
    tags=["invitations"],
    dependencies=[Depends(limit("invitations"))],
)
async def resend_invitation(
    invitation_id: uuid.UUID, request: Request, ctx: InvitationsCreate, db: Db
) -> schemas.Invitation:
    """Send a pending or expired invitation again, with a new expiry and a new link; the
    old link stops working."""
    return await service.resend_invitation(ctx, db, _settings(request), invitation_id)


@router.post("/invitations/{invitation_id}/cancel", tags=["invitations"])
async def cancel_invitation(
    invitation_id: uuid.UUID, ctx: InvitationsCancel, db: Db
) -> schemas.Invitation:
    """Cancel a pending or expired invitation; the caller must hold every permission of
    its role (403 `permission_not_held`)."""
    return await service.cancel_invitation(ctx, db, invitation_id)


@router.get("/me/invitations", tags=["invitations"])
async def list_received_invitations(
    principal: SessionPrincipal, db: Db, page: PageParams
) -> Page[schemas.ReceivedInvitation]:
    """Pending invitations addressed to the signed-in user's email, newest first.

    Only a verified address sees them: 403 `email_not_verified` until it is.
    """
    return await service.list_received_invitations(principal, db, page)


@router.post(
    "/me/invitations/accept-token",
    tags=["invitations"],
    dependencies=[Depends(limit("email-token"))],
)
async def accept_invitation_by_token(
    data: schemas.InvitationTokenAccept, principal: SessionPrincipal, db: Db
) -> schemas.Workspace:
    """Accept the invitation whose emailed link carries `token`; it becomes the active
    workspace.

    The link works once, while the invitation is pending, for the verified address it
    was sent to: 404 `invitation_not_found` for a used, canceled or replaced link or for
    another account, 409 `invitation_expired`, 403 `email_not_verified`.
    """
    return await service.accept_invitation_by_token(principal, db, data.token)


@router.post("/me/invitations/{invitation_id}/accept", tags=["invitations"])
async def accept_invitation(
    invitation_id: uuid.UUID, principal: SessionPrincipal, db: Db
) -> schemas.Workspace:
    """Join the inviting workspace with the invited role; it becomes the active workspace.

    The caller's verified address must be the invited one (403 `email_not_verified`).
    """
    return await service.accept_invitation(principal, db, invitation_id)


@router.post(
    "/me/invitations/{invitation_id}/reject",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["invitations"],
)
async def reject_invitation(invitation_id: uuid.UUID, principal: SessionPrincipal, db: Db) -> None:
    """Decline an invitation addressed to the signed-in user's verified address, also an
    expired one."""
    await service.reject_invitation(principal, db, invitation_id)
