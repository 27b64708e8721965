"""Workspaces, the active workspace, workspace tokens, members and invitations: the rules."""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from collections.abc import Iterable

import asyncpg

from atlas import credentials
from atlas.config import Settings
from atlas.db.ids import uuid7
from atlas.db.rls import enter_workspace
from atlas.errors import Conflict, Forbidden, Invalid, NotFound
from atlas.hr import service as hr
from atlas.identity import service as identity
from atlas.identity import two_factor
from atlas.identity.schemas import WorkspaceToken
from atlas.ledger import service as ledger
from atlas.mail.repository import OutboxRepository
from atlas.pagination import Page, PageRequest, every
from atlas.projects import service as projects
from atlas.roles import service as roles
from atlas.tenancy.context import Principal, TwoFactorRequired, WorkspaceContext
from atlas.validation import search_text
from atlas.workspaces import logo, schemas
from atlas.workspaces.repository import (
    InvitationsRepository,
    LogosRepository,
    MembersRepository,
    ReceivedInvitationsRepository,
    UserWorkspacesRepository,
    WorkspacesRepository,
)

outbox_log = logging.getLogger("atlas.outbox")

SLUG_BATCH = 20
SLUG_ATTEMPTS = 5


# --- workspaces ---------------------------------------------------------------------------


def slugify(name: str) -> str:
    """A slug from a name: ASCII, lowercase, [a-z0-9] runs joined by single hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = slug[: schemas.SLUG_MAX_LENGTH].rstrip("-")
    if not slug or schemas.UUID_SHAPE.match(slug):
        return "workspace"
    return slug


def slug_candidate(base: str, number: int) -> str:
    """`base` for 1, else `base-<number>`, shortening `base` to keep within the length limit."""
    if number == 1:
        return base
    suffix = f"-{number}"
    return base[: schemas.SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix


def _workspace(row: asyncpg.Record, role: str | None = None) -> schemas.Workspace:
    values = dict(row)
    if role is not None:
        values["role"] = role
    return schemas.Workspace.model_validate(values)


def _slug_taken(slug: str) -> Conflict:
    return Conflict(
        f"The slug '{slug}' is taken; choose another.",
        code="slug_taken",
        details=[{"field": "slug", "message": "already in use"}],
    )


async def _insert_with_free_slug(
    repo: WorkspacesRepository, workspace_id: uuid.UUID, data: schemas.WorkspaceCreate
) -> asyncpg.Record:
    base = slugify(data.name)
    first = 1
    for _ in range(SLUG_ATTEMPTS):
        candidates = [slug_candidate(base, n) for n in range(first, first + SLUG_BATCH)]
        taken = await repo.taken_slugs(candidates)
        free = [c for c in candidates if c not in taken]
        if not free:
            first += SLUG_BATCH
            continue
        row = await repo.insert(
            workspace_id,
            data.name,
            free[0],
            data.base_currency,
            data.timezone,
            data.fiscal_year_start_month,
            data.locale,
        )
        if row is not None:
            return row
        # Another request took the slug between the check and the insert: look again.
    raise Conflict(
        "Could not find a free slug for this name; give one.",
        code="slug_taken",
        details=[{"field": "slug", "message": "no free slug derived from the name"}],
    )


async def create_workspace(
    principal: Principal, db: asyncpg.Connection, data: schemas.WorkspaceCreate
) -> schemas.Workspace:
    """A new workspace whose creator is its owner; it becomes the session's active
    workspace (a workspace token's session keeps its own)."""
    repo = WorkspacesRepository(db)
    workspace_id = uuid7()
    if data.slug is not None:
        row = await repo.insert(
            workspace_id,
            data.name,
            data.slug,
            data.base_currency,
            data.timezone,
            data.fiscal_year_start_month,
            data.locale,
        )
        if row is None:
            raise _slug_taken(data.slug)
    else:
        row = await _insert_with_free_slug(repo, workspace_id, data)
    # The workspace was just made by this caller: it may enter it to add the owner.
    await enter_workspace(db, workspace_id)
    await MembersRepository(db, workspace_id).insert(uuid7(), principal.user_id, "owner", None)
    await ledger.open_books(db, workspace_id)
    if not principal.via_workspace_token:
        await identity.set_active_workspace(db, principal.session_id, workspace_id)
    return _workspace(row, "owner")


async def all_workspace_ids(db: asyncpg.Connection) -> list[uuid.UUID]:
    """Every workspace's id, across tenants: only for operator steps (`atlas.books_upgrade`)
    that then enter each workspace in a transaction of its own."""
    return await WorkspacesRepository(db).all_ids()


async def list_my_workspaces(
    principal: Principal,
    db: asyncpg.Connection,
    filters: schemas.WorkspaceFilters,
    page: PageRequest,
) -> Page[schemas.Workspace]:
    rows, total = await UserWorkspacesRepository(db, principal.user_id).list(
        q=search_text(filters.q), sort=filters.sort, page=page
    )
    return Page(
        items=[_workspace(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


async def get_workspace(ctx: WorkspaceContext, db: asyncpg.Connection) -> schemas.Workspace:
    row = await WorkspacesRepository(db).get(ctx.workspace_id)
    if row is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    return _workspace(row, ctx.role)


async def update_workspace(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.WorkspaceUpdate
) -> schemas.Workspace:
    changes = data.model_dump(exclude_unset=True)
    repo = WorkspacesRepository(db)
    if not changes:
        return await get_workspace(ctx, db)
    row = await repo.update(ctx.workspace_id, changes)
    if row is None:
        raise _slug_taken(changes["slug"])
    return _workspace(row, ctx.role)


async def delete_workspace(
    ctx: WorkspaceContext, db: asyncpg.Connection, confirm: str | None
) -> None:
    """Deletes the workspace and, by cascade, every row of it."""
    if confirm != ctx.workspace_slug:
        raise Invalid(
            f"To delete this workspace, send confirm='{ctx.workspace_slug}' (its slug).",
            code="confirmation_required",
            details=[{"field": "confirm", "message": "must equal the workspace's slug"}],
        )
    if not await WorkspacesRepository(db).delete(ctx.workspace_id):
        raise NotFound("Workspace not found.", code="workspace_not_found")


# --- the two-factor policy -------------------------------------------------------------


async def two_factor_policy(
    ctx: WorkspaceContext, db: asyncpg.Connection
) -> schemas.TwoFactorPolicy:
    """Whether members must sign in with a second factor, and who cannot yet."""
    row = await WorkspacesRepository(db).get(ctx.workspace_id)
    assert row is not None, "the guard read the workspace in this transaction"
    members = await every(
        lambda page: list_members(ctx, db, schemas.MemberFilters(sort="name"), page)
    )
    able = await two_factor.has_second_factor(db, [m.user_id for m in members])
    return schemas.TwoFactorPolicy(
        required=row["require_two_factor"],
        members_without_two_factor=[m for m in members if m.user_id not in able],
    )


async def set_two_factor_policy(
    ctx: WorkspaceContext,
    principal: Principal,
    db: asyncpg.Connection,
    data: schemas.TwoFactorPolicyUpdate,
) -> schemas.TwoFactorPolicy:
    """Owners only. Turning it on needs the owner's own second factor, in this very
    session: otherwise the next request would lock the owner out too."""
    _require_owner(ctx, "change the two-factor policy")
    if data.required and not principal.has_second_factor:
        if not await two_factor.has_second_factor(db, [principal.user_id]):
            raise Conflict(
                "Turn on two-factor authentication (or add a passkey) for your own account first.",
                code="two_factor_not_enabled",
            )
        raise Conflict(
            "Sign in again with your second factor first: this session was opened with the"
            " password alone.",
            code="second_factor_required",
        )
    await WorkspacesRepository(db).update(ctx.workspace_id, {"require_two_factor": data.required})
    return await two_factor_policy(ctx, db)


# --- the logo ---------------------------------------------------------------------------


def logo_file_name(sha256: str, content_type: str) -> str:
    """The name the logo is served under: its hash, and the extension of its kind."""
    return f"{sha256}.{logo.EXTENSIONS[content_type]}"


def _logo(ctx: WorkspaceContext, row: asyncpg.Record) -> schemas.WorkspaceLogo:
    name = logo_file_name(row["sha256"], row["content_type"])
    return schemas.WorkspaceLogo.model_validate(
        {**dict(row), "url": f"/w/{ctx.workspace_slug}/settings/logo/{name}"}
    )


def _no_logo() -> NotFound:
    return NotFound("The workspace has no logo.", code="logo_not_found")


async def get_logo(ctx: WorkspaceContext, db: asyncpg.Connection) -> schemas.WorkspaceLogo | None:
    row = await LogosRepository(db, ctx.workspace_id).get()
    return None if row is None else _logo(ctx, row)


async def require_logo(ctx: WorkspaceContext, db: asyncpg.Connection) -> schemas.WorkspaceLogo:
    found = await get_logo(ctx, db)
    if found is None:
        raise _no_logo()
    return found


async def logo_content(
    ctx: WorkspaceContext, db: asyncpg.Connection, file_name: str
) -> schemas.LogoContent:
    """The logo's bytes, if `file_name` names the current logo (a replaced one's name
    finds nothing)."""
    sha256, _, extension = file_name.partition(".")
    row = await LogosRepository(db, ctx.workspace_id).content(sha256)
    if row is None or logo.EXTENSIONS[row["content_type"]] != extension:
        raise _no_logo()
    return schemas.LogoContent(bytes(row["content"]), row["content_type"])


async def set_logo(
    ctx: WorkspaceContext, db: asyncpg.Connection, content: bytes
) -> schemas.WorkspaceLogo:
    """Stores `content` as the logo (replacing any), once its bytes prove it an image
    of an accepted kind and size (`logo.read_logo`)."""
    image = logo.read_logo(content)
    row = await LogosRepository(db, ctx.workspace_id).save(
        uuid7(), content, image.content_type, image.width, image.height
    )
    return _logo(ctx, row)


async def remove_logo(ctx: WorkspaceContext, db: asyncpg.Connection) -> None:
    if not await LogosRepository(db, ctx.workspace_id).delete():
        raise _no_logo()


async def _my_workspace(
    principal: Principal, db: asyncpg.Connection, ref: str
) -> schemas.Workspace:
    row = await UserWorkspacesRepository(db, principal.user_id).find(ref)
    if row is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    return _workspace(row)


async def set_active_workspace(
    principal: Principal, db: asyncpg.Connection, ref: str | None
) -> schemas.Workspace | None:
    """Makes one of the caller's workspaces (or none) the session's active workspace."""
    workspace = None if ref is None else await _my_workspace(principal, db, ref)
    await identity.set_active_workspace(
        db, principal.session_id, workspace.id if workspace else None
    )
    return workspace


async def issue_workspace_token(
    principal: Principal,
    db: asyncpg.Connection,
    settings: Settings,
    signing_key: str,
    ref: str | None,
) -> WorkspaceToken:
    """A short-lived JWT for one of the caller's workspaces (default: the active one)."""
    if ref is None:
        if principal.active_workspace_id is None:
            raise Forbidden("Select a workspace first, or name one.", code="no_workspace_selected")
        ref = str(principal.active_workspace_id)
    workspace = await _my_workspace(principal, db, ref)
    if workspace.require_two_factor and not principal.has_second_factor:
        raise TwoFactorRequired()
    token, claims = credentials.issue_workspace_token(
        signing_key,
        user_id=principal.user_id,
        session_id=principal.session_id,
        workspace_id=workspace.id,
        ttl=settings.workspace_token_ttl_seconds,
    )
    return WorkspaceToken(token=token, expires_at=claims.expires_at, workspace_id=workspace.id)


# --- members ------------------------------------------------------------------------------


def _member(row: asyncpg.Record, role: str | None = None) -> schemas.Member:
    values = dict(row)
    if role is not None:
        values["role"] = role
    return schemas.Member.model_validate(values)


def _member_not_found() -> NotFound:
    return NotFound("Member not found.", code="member_not_found")


def _require_owner(ctx: WorkspaceContext, action: str) -> None:
    if not ctx.can("members:grant-owner"):
        raise Forbidden(f"Only an owner may {action}.", code="owner_required")


def _last_owner(action: str) -> Conflict:
    return Conflict(
        f"The last owner cannot {action}; make another member an owner first.",
        code="last_owner",
    )


async def list_members(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.MemberFilters,
    page: PageRequest,
) -> Page[schemas.Member]:
    if filters.role is not None:
        await roles.resolve(db, ctx.workspace_id, filters.role)
    rows, total = await MembersRepository(db, ctx.workspace_id).list(
        role=filters.role, q=search_text(filters.q), sort=filters.sort, page=page
    )
    return Page(items=[_member(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


async def get_member_of_user(
    ctx: WorkspaceContext, db: asyncpg.Connection, user_id: uuid.UUID
) -> schemas.Member:
    """The membership of `user_id` in the workspace (a user is a member at most once)."""
    row = await MembersRepository(db, ctx.workspace_id).by_user(user_id)
    if row is None:
        raise _member_not_found()
    return _member(row)


async def members_of_users(
    ctx: WorkspaceContext, db: asyncpg.Connection, user_ids: Iterable[uuid.UUID]
) -> list[schemas.Member]:
    """The memberships of these users that exist, in no particular order (a page's look-up)."""
    rows = await MembersRepository(db, ctx.workspace_id).of_users(list(set(user_ids)))
    return [_member(row) for row in rows]


async def change_member_role(
    ctx: WorkspaceContext, db: asyncpg.Connection, member_id: uuid.UUID, role: str
) -> schemas.Member:
    """The caller must hold every permission of the member's current and new role."""
    new = await roles.resolve(db, ctx.workspace_id, role)
    members = MembersRepository(db, ctx.workspace_id)
    # Owners are locked first, always in the same order: the last-owner rule holds under
    # concurrent changes, and two requests cannot deadlock.
    owners = await members.lock_owners()
    target = await members.get(member_id, lock=True)
    if target is None:
        raise _member_not_found()
    if "owner" in (target["role"], role):
        _require_owner(ctx, "grant or revoke the owner role")
    current = await roles.held(db, ctx.workspace_id, target["role"], target["custom_role_id"])
    roles.ensure_can_grant(
        ctx, current.permissions | new.permissions, f"make this {target['role']} a {role}"
    )
    if target["role"] == "owner" and role != "owner" and len(owners) <= 1:
        raise _last_owner("be demoted")
    if role != target["role"]:
        await members.set_role(member_id, new.name, new.custom_role_id)
    return _member(target, role)


async def _delete_member(
    ctx: WorkspaceContext, db: asyncpg.Connection, member: asyncpg.Record
) -> None:
    """Deletes a member, whose row the caller has locked; their tasks and employee record
    let go of them first, in the same transaction."""
    await projects.unassign_member(ctx, db, member["user_id"])
    await hr.unlink_member(ctx, db, member["user_id"])
    await MembersRepository(db, ctx.workspace_id).delete(member["id"])


async def remove_member(
    ctx: WorkspaceContext, db: asyncpg.Connection, member_id: uuid.UUID
) -> None:
    members = MembersRepository(db, ctx.workspace_id)
    owners = await members.lock_owners()
    target = await members.get(member_id, lock=True)
    if target is None:
        raise _member_not_found()
    if target["role"] == "owner":
        _require_owner(ctx, "remove an owner")
        if len(owners) <= 1:
            raise _last_owner("be removed")
    current = await roles.held(db, ctx.workspace_id, target["role"], target["custom_role_id"])
    roles.ensure_can_grant(ctx, current.permissions, f"remove a {target['role']}")
    await _delete_member(ctx, db, target)


async def leave_workspace(
    ctx: WorkspaceContext, principal: Principal, db: asyncpg.Connection
) -> None:
    """The caller leaves the workspace; it stops being their active workspace."""
    members = MembersRepository(db, ctx.workspace_id)
    owners = await members.lock_owners()
    me = await members.by_user(ctx.user_id, lock=True)
    if me is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    if me["role"] == "owner" and len(owners) <= 1:
        raise _last_owner("leave")
    await _delete_member(ctx, db, me)
    if principal.active_workspace_id == ctx.workspace_id:
        await identity.set_active_workspace(db, principal.session_id, None)


async def transfer_ownership(
    ctx: WorkspaceContext, db: asyncpg.Connection, member_id: uuid.UUID
) -> schemas.Member:
    """`member_id` becomes an owner and the caller, an owner, becomes an admin."""
    _require_owner(ctx, "transfer ownership")
    members = MembersRepository(db, ctx.workspace_id)
    await members.lock_owners()
    target = await members.get(member_id, lock=True)
    if target is None:
        raise _member_not_found()
    if target["user_id"] == ctx.user_id:
        raise Invalid(
            "Transfer ownership to another member.",
            code="invalid_transfer",
            details=[{"field": "member_id", "message": "is yourself"}],
        )
    me = await members.by_user(ctx.user_id, lock=True)
    if me is None or me["role"] != "owner":
        raise Forbidden("Only an owner may transfer ownership.", code="owner_required")
    await members.set_role(member_id, "owner", None)
    await members.set_role(me["id"], "admin", None)
    return _member(target, "owner")


# --- invitations --------------------------------------------------------------------------


class EmailNotVerified(Forbidden):
    """Invitations are seen and answered only from an address its owner has verified."""

    code = "email_not_verified"


def _invitation(row: asyncpg.Record) -> schemas.Invitation:
    return schemas.Invitation.model_validate(dict(row))


def _invitation_not_found() -> NotFound:
    return NotFound("Invitation not found.", code="invitation_not_found")


def invitation_link(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/invitations/accept?token={token}"


async def _queue_invitation_email(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    settings: Settings,
    invitation: asyncpg.Record,
    token: str,
) -> None:
    subject = f"You are invited to {ctx.workspace_name} on Atlas ERP"
    body = (
        f"You have been invited to join the workspace {ctx.workspace_name} "
        f"as {invitation['role']}.\n\n"
        f"Accept here: {invitation_link(settings, token)}\n\n"
        f"Sign in with {invitation['email']} (verified) to accept; the link works once. "
        f"The invitation expires at {invitation['expires_at']:%Y-%m-%d %H:%M} UTC.\n"
    )
    message_id = await OutboxRepository(db).add(
        ctx.workspace_id, invitation["email"], subject, body
    )
    # The link is a secret: the log names the message, not the link.
    outbox_log.info("queued email %s to %s: %s", message_id, invitation["email"], subject)


async def _ensure_can_offer(
    ctx: WorkspaceContext, db: asyncpg.Connection, invitation: asyncpg.Record, action: str
) -> None:
    """Acting on an invitation needs every permission of the role it offers (403)."""
    role = await roles.held(db, ctx.workspace_id, invitation["role"], invitation["custom_role_id"])
    roles.ensure_can_grant(ctx, role.permissions, f"{action} an invitation as '{role.name}'")


async def invite(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    settings: Settings,
    data: schemas.InvitationCreate,
) -> schemas.Invitation:
    """Invites an email with a role; an older pending invitation to it is canceled, if the
    caller could grant its role too."""
    role = await roles.resolve(db, ctx.workspace_id, data.role)
    roles.ensure_can_grant(ctx, role.permissions, f"invite as '{role.name}'")
    if await MembersRepository(db, ctx.workspace_id).has_email(data.email):
        raise Conflict(
            f"{data.email} is already a member of this workspace.",
            code="already_member",
            details=[{"field": "email", "message": "already a member"}],
        )
    invitations = InvitationsRepository(db, ctx.workspace_id)
    for older in await invitations.lock_pending_for(data.email):
        await _ensure_can_offer(ctx, db, older, "replace")
    await invitations.cancel_pending_for(data.email)
    token = credentials.new_token()
    row = await invitations.insert(
        uuid7(),
        data.email,
        role.name,
        role.custom_role_id,
        ctx.user_id,
        credentials.token_hash(token),
        settings.invitation_ttl_hours,
    )
    if row is None:
        raise Conflict(
            "Another invitation to this email is being sent right now.", code="invitation_pending"
        )
    await _queue_invitation_email(ctx, db, settings, row, token)
    return _invitation(row)


async def list_invitations(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.InvitationFilters,
    page: PageRequest,
) -> Page[schemas.Invitation]:
    rows, total = await InvitationsRepository(db, ctx.workspace_id).list(
        status=filters.status, q=search_text(filters.q), sort=filters.sort, page=page
    )
    return Page(
        items=[_invitation(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


def _ensure_still_open(invitation: asyncpg.Record, action: str) -> None:
    """Pending or expired invitations may still be resent, canceled or rejected (409)."""
    if invitation["status"] not in ("pending", "expired"):
        raise Conflict(
            f"This invitation is {invitation['status']}; it cannot be {action}.",
            code="invitation_not_pending",
        )


async def _locked_invitation(
    ctx: WorkspaceContext, db: asyncpg.Connection, invitation_id: uuid.UUID
) -> asyncpg.Record:
    current = await InvitationsRepository(db, ctx.workspace_id).get(invitation_id, lock=True)
    if current is None:
        raise _invitation_not_found()
    return current


async def resend_invitation(
    ctx: WorkspaceContext, db: asyncpg.Connection, settings: Settings, invitation_id: uuid.UUID
) -> schemas.Invitation:
    """A pending or expired invitation gets a new expiry and a new link; the old link
    stops working."""
    current = await _locked_invitation(ctx, db, invitation_id)
    await _ensure_can_offer(ctx, db, current, "resend")
    _ensure_still_open(current, "resent; invite again instead")
    token = credentials.new_token()
    row = await InvitationsRepository(db, ctx.workspace_id).renew(
        invitation_id, credentials.token_hash(token), settings.invitation_ttl_hours
    )
    await _queue_invitation_email(ctx, db, settings, row, token)
    return _invitation(row)


async def cancel_invitation(
    ctx: WorkspaceContext, db: asyncpg.Connection, invitation_id: uuid.UUID
) -> schemas.Invitation:
    """A pending or expired invitation is canceled; its link stops working."""
    current = await _locked_invitation(ctx, db, invitation_id)
    await _ensure_can_offer(ctx, db, current, "cancel")
    _ensure_still_open(current, "canceled")
    row = await InvitationsRepository(db, ctx.workspace_id).set_status(invitation_id, "canceled")
    return _invitation(row)


# --- the invitee's side -------------------------------------------------------------------


async def _invitee_email(principal: Principal, db: asyncpg.Connection) -> str:
    """The caller's email address, read from their account, once it is verified: anyone
    can sign up with an address, so only a proven one receives what is sent to it.
    (Invitations belong to the account: their routes and pages take a session, never a
    workspace token.)"""
    email = await identity.verified_email(db, principal.user_id)
    if email is None:
        raise EmailNotVerified(
            "Verify your email address first: follow the link we emailed you, or ask for a "
            "new one on your account page. Then you can see and answer the invitations "
            "sent to it."
        )
    return email


async def list_received_invitations(
    principal: Principal, db: asyncpg.Connection, page: PageRequest
) -> Page[schemas.ReceivedInvitation]:
    email = await _invitee_email(principal, db)
    rows, total = await ReceivedInvitationsRepository(db, email).list(page=page)
    return Page(
        items=[schemas.ReceivedInvitation.model_validate(dict(r)) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


async def get_received_invitation(
    principal: Principal, db: asyncpg.Connection, invitation_id: uuid.UUID
) -> schemas.ReceivedInvitation:
    """One open invitation addressed to the caller (404 otherwise)."""
    email = await _invitee_email(principal, db)
    row = await ReceivedInvitationsRepository(db, email).get_open(invitation_id)
    if row is None:
        raise _invitation_not_found()
    return schemas.ReceivedInvitation.model_validate(dict(row))


async def _enter_received(
    db: asyncpg.Connection, email: str, found: asyncpg.Record | None, token_hash: bytes | None
) -> asyncpg.Record:
    """The caller's invitation `found`, locked in its workspace and read again under the
    lock (a parallel answer, cancel or resend may have changed it meanwhile)."""
    if found is None:
        raise _invitation_not_found()
    workspace_id: uuid.UUID = found["workspace_id"]
    # Addressed to the caller's verified address: the caller may act in its workspace.
    await enter_workspace(db, workspace_id)
    invitation = await InvitationsRepository(db, workspace_id).lock_for_invitee(
        found["id"], email, token_hash
    )
    if invitation is None:
        raise _invitation_not_found()
    return invitation


async def _join(
    principal: Principal, db: asyncpg.Connection, invitation: asyncpg.Record
) -> schemas.Workspace:
    """Joins the invitation's workspace with its role and makes it the active workspace."""
    if invitation["status"] == "expired":
        raise Conflict("This invitation has expired; ask for a new one.", code="invitation_expired")
    if invitation["status"] != "pending":
        raise Conflict(
            f"This invitation is {invitation['status']} already.", code="invitation_not_pending"
        )
    workspace_id: uuid.UUID = invitation["workspace_id"]
    members = MembersRepository(db, workspace_id)
    joined = await members.insert(
        uuid7(), principal.user_id, invitation["role"], invitation["custom_role_id"]
    )
    # A user who joined by other means keeps the role they have.
    member = joined or await members.by_user(principal.user_id)
    assert member is not None
    await InvitationsRepository(db, workspace_id).set_status(invitation["id"], "accepted")
    await identity.set_active_workspace(db, principal.session_id, workspace_id)
    workspace = await WorkspacesRepository(db).get(workspace_id)
    assert workspace is not None
    return _workspace(workspace, member["role"])


async def accept_invitation(
    principal: Principal, db: asyncpg.Connection, invitation_id: uuid.UUID
) -> schemas.Workspace:
    """Accepts an invitation to the caller's verified address, named by its id."""
    email = await _invitee_email(principal, db)
    found = await ReceivedInvitationsRepository(db, email).find(invitation_id)
    return await _join(principal, db, await _enter_received(db, email, found, None))


async def accept_invitation_by_token(
    principal: Principal, db: asyncpg.Connection, token: str
) -> schemas.Workspace:
    """Accepts the invitation whose emailed link carries `token`: once, while it is
    pending, and only for the verified address it was sent to (404 for anyone else)."""
    email = await _invitee_email(principal, db)
    hashed = credentials.token_hash(token)
    found = await ReceivedInvitationsRepository(db, email).find_pending_by_token(hashed)
    return await _join(principal, db, await _enter_received(db, email, found, hashed))


async def reject_invitation(
    principal: Principal, db: asyncpg.Connection, invitation_id: uuid.UUID
) -> None:
    """Declines an invitation to the caller's verified address, also once it has expired."""
    email = await _invitee_email(principal, db)
    found = await ReceivedInvitationsRepository(db, email).find(invitation_id)
    invitation = await _enter_received(db, email, found, None)
    _ensure_still_open(invitation, "declined")
    await InvitationsRepository(db, invitation["workspace_id"]).set_status(
        invitation_id, "rejected"
    )
