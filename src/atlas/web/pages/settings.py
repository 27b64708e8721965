"""Pages of the settings area: the workspace, its members, invitations, roles and audit trail."""

from __future__ import annotations

import calendar
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from starlette.datastructures import UploadFile

from atlas.apikeys import schemas as api_key_schemas
from atlas.apikeys import service as api_keys
from atlas.audit import schemas as audit_schemas
from atlas.audit import service as audit
from atlas.config import Settings
from atlas.pagination import PageParams, PageRequest, every, pages
from atlas.roles import schemas as role_schemas
from atlas.roles import service as roles
from atlas.tenancy.permissions import ALL_PERMISSIONS
from atlas.validation import BusinessDate
from atlas.web import forms, lists
from atlas.web.access import workspace_page
from atlas.web.i18n import N_
from atlas.web.pages import choices
from atlas.web.render import PageContext, labelled
from atlas.web.routing import page_router
from atlas.web.security import PRIVATE_IMMUTABLE
from atlas.workspaces import schemas, service

router = page_router()

WorkspaceRead = Annotated[PageContext, Depends(workspace_page("workspace:read"))]
WorkspaceUpdate = Annotated[PageContext, Depends(workspace_page("workspace:update"))]
MembersRead = Annotated[PageContext, Depends(workspace_page("members:read"))]
MembersUpdate = Annotated[PageContext, Depends(workspace_page("members:update"))]
MembersRemove = Annotated[PageContext, Depends(workspace_page("members:remove"))]
InvitationsRead = Annotated[PageContext, Depends(workspace_page("invitations:read"))]
InvitationsCreate = Annotated[PageContext, Depends(workspace_page("invitations:create"))]
InvitationsCancel = Annotated[PageContext, Depends(workspace_page("invitations:cancel"))]
RolesRead = Annotated[PageContext, Depends(workspace_page("roles:read"))]
RolesManage = Annotated[PageContext, Depends(workspace_page("roles:manage"))]
AuditRead = Annotated[PageContext, Depends(workspace_page("audit:read"))]
KeysManage = Annotated[PageContext, Depends(workspace_page("api-keys:manage"))]

MONTHS = [(str(n), calendar.month_name[n]) for n in range(1, 13)]
SELLER_FIELDS = ("legal_name", "address", "tax_id", "bank_details")
INVITATION_STATUSES = ("pending", "accepted", "rejected", "canceled", "expired")
# What the action part of a permission does, where its name alone does not say it.
PERMISSION_HINTS = {
    "time:write": N_("own time entries"),
    "time:manage": N_("anyone's time entries"),
    "leave:request": N_("own leave requests"),
    "leave:manage": N_("leave types, and requests for anyone"),
    "hr:salary": N_("see and change salaries"),
    "roles:manage": N_("custom roles, within one's own permissions"),
    "workspace:export": N_("download what they may read"),
    "members:grant-owner": N_("make members owners"),
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def permission_groups(page: PageContext) -> list[tuple[str, list[tuple[str, str]]]]:
    """The permission catalogue grouped by resource: [(resource, [(permission, label)])]."""
    ordered = sorted(ALL_PERMISSIONS, key=lambda p: p.split(":")[0])
    groups = []
    for resource, perms in groupby(ordered, key=lambda p: p.split(":")[0]):
        labelled = []
        for p in perms:
            label = p.split(":", 1)[1].replace("-", " ").capitalize()
            hint = PERMISSION_HINTS.get(p)
            shown = (
                page._("%(label)s (%(hint)s)", label=label, hint=page._(hint)) if hint else label
            )
            labelled.append((p, shown))
        groups.append((resource, labelled))
    return groups


async def _role_options(page: PageContext) -> list[tuple[str, str]]:
    """Built-in and custom roles, as select options."""
    listed = await every(
        lambda p: roles.list_roles(page.ws, page.db, role_schemas.RoleFilters(), p)
    )
    return [
        (r.name, r.name if r.builtin else page._("%(name)s (custom)", name=r.name)) for r in listed
    ]


async def _act(
    page: PageContext, back: str, action: Callable[[], Awaitable[Any]], done: str
) -> Response:
    """Runs a list action; a refusal comes back to the list as an error message."""
    try:
        await forms.run(page.db, action)
    except forms.FormErrors as errors:
        return page.redirect(back, errors.message, "error")
    return page.redirect(back, done)


# --- the workspace ------------------------------------------------------------------------


async def _settings_page(
    page: PageContext,
    form: dict[str, Any],
    errors: forms.FormErrors | None,
    status: int = 200,
    logo_errors: forms.FormErrors | None = None,
) -> Response:
    workspace = await service.get_workspace(page.ws, page.db)
    return await page.render(
        "settings/workspace.html",
        status_code=status,
        workspace=workspace,
        logo=await service.get_logo(page.ws, page.db),
        months=MONTHS,
        form=form,
        errors=errors,
        logo_errors=logo_errors,
    )


@router.get("/w/{workspace_ref}/settings")
async def workspace_settings(page: WorkspaceRead) -> Response:
    workspace = await service.get_workspace(page.ws, page.db)
    return await _settings_page(page, workspace.model_dump(mode="json"), None)


@router.post("/w/{workspace_ref}/settings")
async def update_workspace(page: WorkspaceUpdate) -> Response:
    form = await forms.read_form(page.request)
    try:
        # A seller detail left empty clears it (blank fields are not posted).
        sent = {**dict.fromkeys(SELLER_FIELDS, ""), **form}
        data = forms.parse(schemas.WorkspaceUpdate, sent)
        updated = await forms.run(page.db, lambda: service.update_workspace(page.ws, page.db, data))
    except forms.FormErrors as errors:
        return await _settings_page(page, form, errors, 422)
    return page.redirect(f"/w/{updated.slug}/settings", page._("Workspace settings saved."))


# --- security: the two-factor policy -----------------------------------------------------


async def _security_page(
    page: PageContext,
    errors: forms.FormErrors | None = None,
    *,
    key_form: dict[str, Any] | None = None,
    key_errors: forms.FormErrors | None = None,
) -> Response:
    manages_keys = page.ws.can("api-keys:manage")
    keys = (
        await api_keys.list_keys(
            page.ws, page.db, api_key_schemas.ApiKeyFilters(), PageRequest(limit=100, offset=0)
        )
        if manages_keys
        else None
    )
    failed = errors or key_errors
    return await page.render(
        "settings/security.html",
        status_code=failed.status if failed else 200,
        policy=await service.two_factor_policy(page.ws, page.db),
        errors=errors,
        keys=keys,
        role_options=await _role_options(page) if manages_keys else [],
        key_form=key_form or {"expires_in_days": api_key_schemas.DEFAULT_DAYS, "role": "viewer"},
        key_errors=key_errors,
        max_days=api_key_schemas.MAX_DAYS,
    )


@router.get("/w/{workspace_ref}/settings/security")
async def security_settings(page: MembersRead) -> Response:
    return await _security_page(page)


@router.post("/w/{workspace_ref}/settings/security")
async def set_two_factor_policy(page: WorkspaceUpdate) -> Response:
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.TwoFactorPolicyUpdate, form)
        policy = await forms.run(
            page.db,
            lambda: service.set_two_factor_policy(page.ws, page.user, page.db, data),
            passthrough=(401, 404),
        )
    except forms.FormErrors as errors:
        return await _security_page(page, errors)
    done = (
        page._("Members must now sign in with a second factor.")
        if policy.required
        else page._("Two-factor sign-in is no longer required.")
    )
    return page.redirect(page.url("/settings/security"), done)


@router.post("/w/{workspace_ref}/settings/api-keys")
async def create_api_key(page: KeysManage) -> Response:
    """A new key; its secret is shown on the answer's page only."""
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(api_key_schemas.ApiKeyCreate, form)
        key = await forms.run(
            page.db, lambda: api_keys.create_key(page.ws, page.db, data), passthrough=(401, 404)
        )
    except forms.FormErrors as errors:
        return await _security_page(page, key_form=form, key_errors=errors)
    return await page.render("settings/api_key_created.html", key=key)


@router.post("/w/{workspace_ref}/settings/api-keys/{key_id}/revoke")
async def revoke_api_key(page: KeysManage, key_id: uuid.UUID) -> Response:
    return await _act(
        page,
        page.url("/settings/security"),
        lambda: api_keys.revoke_key(page.ws, page.db, key_id),
        page._("The key is revoked: it stops working now."),
    )


@router.post("/w/{workspace_ref}/settings/logo")
async def upload_logo(page: WorkspaceUpdate) -> Response:
    form = await page.request.form()
    upload = form.get("logo")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        await forms.run(page.db, lambda: service.set_logo(page.ws, page.db, content))
    except forms.FormErrors as errors:
        workspace = await service.get_workspace(page.ws, page.db)
        values = workspace.model_dump(mode="json")
        return await _settings_page(page, values, None, errors.status, logo_errors=errors)
    return page.redirect(page.url("/settings"), page._("Logo saved."))


@router.post("/w/{workspace_ref}/settings/logo/remove")
async def remove_logo(page: WorkspaceUpdate) -> Response:
    return await _act(
        page,
        page.url("/settings"),
        lambda: service.remove_logo(page.ws, page.db),
        page._("Logo removed."),
    )


@router.get("/w/{workspace_ref}/settings/logo/{file_name}")
async def logo_image(page: WorkspaceRead, file_name: str) -> Response:
    """The logo's bytes, under its content type; cached by the member's browser for good
    (a new logo has a new name)."""
    logo = await service.logo_content(page.ws, page.db, file_name)
    return Response(
        logo.content,
        media_type=logo.content_type,
        headers={
            "Cache-Control": PRIVATE_IMMUTABLE,
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{file_name}"',
        },
    )


# --- members ------------------------------------------------------------------------------


@router.get("/w/{workspace_ref}/settings/members")
async def members(
    page: MembersRead,
    paging: PageParams,
    role: forms.QueryText = None,
    q: forms.QueryText = None,
    sort: forms.QueryText = None,
) -> Response:
    role_options = await _role_options(page)
    try:
        result = await forms.run(
            page.db,
            lambda: service.list_members(
                page.ws, page.db, schemas.MemberFilters(role=role or None, q=q, sort=sort), paging
            ),
        )
    except forms.FormErrors as errors:
        return page.redirect(page.url("/settings/members"), errors.message, "error")
    return await page.render("settings/members.html", result=result, role_options=role_options)


@lists.csv_route(router, "/w/{workspace_ref}/settings/members.csv")
async def members_csv(
    page: MembersRead,
    role: forms.QueryText = None,
    q: forms.QueryText = None,
    sort: forms.QueryText = None,
) -> Response:
    filters = schemas.MemberFilters(role=role or None, q=q, sort=sort)
    zone = await page.time_zone()
    columns: list[lists.Column[schemas.Member]] = [
        lists.Column("Name", lambda m: m.name),
        lists.Column("Email", lambda m: m.email),
        lists.Column("Role", lambda m: m.role),
        lists.Column("Joined", lambda m: lists.moment(m.created_at, zone)),
    ]
    return await lists.download(
        "members", columns, pages(lambda p: service.list_members(page.ws, page.db, filters, p))
    )


@router.post("/w/{workspace_ref}/settings/members/{member_id}/role")
async def change_member_role(page: MembersUpdate, member_id: uuid.UUID) -> Response:
    form = await forms.read_form(page.request)
    back = page.url("/settings/members")
    try:
        data = forms.parse(schemas.MemberUpdate, form)
    except forms.FormErrors as errors:
        return page.redirect(back, errors.message, "error")
    return await _act(
        page,
        back,
        lambda: service.change_member_role(page.ws, page.db, member_id, data.role),
        page._("Role changed to %(role)s.", role=data.role),
    )


@router.post("/w/{workspace_ref}/settings/members/{member_id}/remove")
async def remove_member(page: MembersRemove, member_id: uuid.UUID) -> Response:
    return await _act(
        page,
        page.url("/settings/members"),
        lambda: service.remove_member(page.ws, page.db, member_id),
        page._("Member removed."),
    )


# --- invitations --------------------------------------------------------------------------


def _invitation_filters(status: str | None) -> schemas.InvitationFilters:
    """The list's status filter: a status it does not know shows every invitation."""
    return schemas.InvitationFilters(status=status if status in INVITATION_STATUSES else None)


async def _invitations_page(
    page: PageContext,
    paging: PageRequest,
    status: str | None,
    form: dict[str, Any],
    errors: forms.FormErrors | None,
    status_code: int = 200,
) -> Response:
    filters = _invitation_filters(status)
    result = await service.list_invitations(page.ws, page.db, filters, paging)
    role_options = await _role_options(page) if page.ws.can("invitations:create") else []
    return await page.render(
        "settings/invitations.html",
        status_code=status_code,
        result=result,
        statuses=[(s, s.capitalize()) for s in INVITATION_STATUSES],
        role_options=role_options,
        form=form,
        errors=errors,
    )


@router.get("/w/{workspace_ref}/settings/invitations")
async def invitations(
    page: InvitationsRead, paging: PageParams, status: forms.QueryText = None
) -> Response:
    return await _invitations_page(page, paging, status, {"role": "member"}, None)


@lists.csv_route(router, "/w/{workspace_ref}/settings/invitations.csv")
async def invitations_csv(page: InvitationsRead, status: forms.QueryText = None) -> Response:
    """The invitations without their links: a link's token lets its holder join."""
    filters = _invitation_filters(status)
    zone = await page.time_zone()
    columns: list[lists.Column[schemas.Invitation]] = [
        lists.Column("Email", lambda i: i.email),
        lists.Column("Role", lambda i: i.role),
        lists.Column("Status", lambda i: labelled(i.status)),
        lists.Column("Sent", lambda i: lists.moment(i.created_at, zone)),
        lists.Column("Expires", lambda i: lists.moment(i.expires_at, zone)),
    ]
    return await lists.download(
        "invitations",
        columns,
        pages(lambda p: service.list_invitations(page.ws, page.db, filters, p)),
    )


@router.post("/w/{workspace_ref}/settings/invitations")
async def invite(page: InvitationsCreate) -> Response:
    form = await forms.read_form(page.request)
    settings = _settings(page.request)
    try:
        data = forms.parse(schemas.InvitationCreate, form)
        await forms.run(page.db, lambda: service.invite(page.ws, page.db, settings, data))
    except forms.FormErrors as errors:
        first = PageRequest(limit=50, offset=0)
        return await _invitations_page(page, first, None, form, errors, 422)
    return page.redirect(
        page.url("/settings/invitations"), page._("Invitation sent to %(email)s.", email=data.email)
    )


@router.post("/w/{workspace_ref}/settings/invitations/{invitation_id}/resend")
async def resend_invitation(page: InvitationsCreate, invitation_id: uuid.UUID) -> Response:
    settings = _settings(page.request)
    return await _act(
        page,
        page.url("/settings/invitations"),
        lambda: service.resend_invitation(page.ws, page.db, settings, invitation_id),
        page._("Invitation sent again."),
    )


@router.post("/w/{workspace_ref}/settings/invitations/{invitation_id}/cancel")
async def cancel_invitation(page: InvitationsCancel, invitation_id: uuid.UUID) -> Response:
    return await _act(
        page,
        page.url("/settings/invitations"),
        lambda: service.cancel_invitation(page.ws, page.db, invitation_id),
        page._("Invitation canceled."),
    )


# --- roles --------------------------------------------------------------------------------


@router.get("/w/{workspace_ref}/settings/roles")
async def roles_list(page: RolesRead, paging: PageParams, q: forms.QueryText = None) -> Response:
    result = await roles.list_roles(page.ws, page.db, role_schemas.RoleFilters(q=q), paging)
    return await page.render("settings/roles.html", result=result)


ROLE_COLUMNS: list[lists.Column[role_schemas.Role]] = [
    lists.Column("Role", lambda r: r.name),
    lists.Column("Kind", lambda r: "Built-in" if r.builtin else "Custom"),
    lists.Column("Description", lambda r: r.description),
    lists.Column("Permissions", lambda r: " ".join(r.permissions)),
    lists.Column("Members", lambda r: r.member_count),
]


@lists.csv_route(router, "/w/{workspace_ref}/settings/roles.csv")
async def roles_csv(page: RolesRead, q: forms.QueryText = None) -> Response:
    filters = role_schemas.RoleFilters(q=q)
    return await lists.download(
        "roles", ROLE_COLUMNS, pages(lambda p: roles.list_roles(page.ws, page.db, filters, p))
    )


async def _role_form(
    page: PageContext,
    role: role_schemas.Role | None,
    form: dict[str, Any],
    errors: forms.FormErrors | None,
    status: int = 200,
) -> Response:
    return await page.render(
        "settings/role_form.html",
        status_code=status,
        role=role,
        groups=permission_groups(page),
        form=form,
        errors=errors,
    )


async def _posted_role(page: PageContext) -> dict[str, Any]:
    form = await forms.read_form(page.request, lists=("permissions",))
    form.setdefault("permissions", [])
    form.setdefault("description", "")
    return form


@router.get("/w/{workspace_ref}/settings/roles/new")
async def new_role_form(page: RolesManage) -> Response:
    return await _role_form(page, None, {"permissions": []}, None)


@router.post("/w/{workspace_ref}/settings/roles/new")
async def create_role(page: RolesManage) -> Response:
    form = await _posted_role(page)
    try:
        data = forms.parse(role_schemas.RoleCreate, form)
        created = await forms.run(page.db, lambda: roles.create_role(page.ws, page.db, data))
    except forms.FormErrors as errors:
        return await _role_form(page, None, form, errors, 422)
    return page.redirect(
        page.url("/settings/roles"), page._("Role %(name)s created.", name=created.name)
    )


@router.get("/w/{workspace_ref}/settings/roles/{role_id}/edit")
async def edit_role_form(page: RolesManage, role_id: uuid.UUID) -> Response:
    role = await roles.get_role(page.ws, page.db, str(role_id))
    return await _role_form(page, role, role.model_dump(mode="json"), None)


@router.post("/w/{workspace_ref}/settings/roles/{role_id}/edit")
async def update_role(page: RolesManage, role_id: uuid.UUID) -> Response:
    role = await roles.get_role(page.ws, page.db, str(role_id))
    form = await _posted_role(page)
    try:
        data = forms.parse(role_schemas.RoleUpdate, form)
        updated = await forms.run(
            page.db, lambda: roles.update_role(page.ws, page.db, str(role_id), data)
        )
    except forms.FormErrors as errors:
        return await _role_form(page, role, form, errors, 422)
    return page.redirect(
        page.url("/settings/roles"), page._("Role %(name)s saved.", name=updated.name)
    )


@router.post("/w/{workspace_ref}/settings/roles/{role_id}/delete")
async def delete_role(page: RolesManage, role_id: uuid.UUID) -> Response:
    return await _act(
        page,
        page.url("/settings/roles"),
        lambda: roles.delete_role(page.ws, page.db, str(role_id)),
        page._("Role deleted."),
    )


# --- audit trail --------------------------------------------------------------------------


class AuditQuery(BaseModel):
    """The audit page's filters, as typed in its GET form (dates are whole days in the
    workspace's time zone)."""

    model_config = ConfigDict(extra="ignore")

    entity_type: str | None = None
    action: str | None = None
    actor: uuid.UUID | None = None
    since: BusinessDate | None = None
    until: BusinessDate | None = None

    def filters(self, zone: str) -> audit_schemas.AuditFilters:
        def start(day: date | None) -> datetime | None:
            return None if day is None else datetime.combine(day, time.min, ZoneInfo(zone))

        return audit_schemas.AuditFilters(
            entity_type=self.entity_type,
            action=self.action,
            actor_user_id=self.actor,
            since=start(self.since),
            until=start(self.until + timedelta(days=1) if self.until else None),
        )


# The pages of the records an event names (its id appended), and the fields that name one.
RECORD_PATHS = {
    "project": "/projects/",
    "task": "/tasks/",
    "customer": "/customers/",
    "invoice": "/invoices/",
    "employee": "/employees/",
    "leave_request": "/leave/",
    "journal_entry": "/journal/",
}
NAMING_FIELDS = ("number", "key", "code", "name", "title", "email", "last_name")


def event_name(changes: dict[str, Any]) -> str | None:
    """What the event's record is called, from the fields it changed or held."""
    for field in NAMING_FIELDS:
        change = changes.get(field)
        if isinstance(change, dict):
            value = change.get("new") if change.get("new") is not None else change.get("old")
            if value is not None:
                return str(value)
    return None


async def _audit_filters(page: PageContext, typed: forms.FormData) -> audit_schemas.AuditFilters:
    """The audit trail's filters from its address (the actor read back for who may see
    members); a refusal raises `FormErrors`."""
    if page.ws.can("members:read"):
        typed = await choices.resolve(page, choices.MEMBERS, typed, "actor")
    return forms.parse(AuditQuery, typed).filters(await page.time_zone())


@router.get("/w/{workspace_ref}/settings/audit")
async def audit_trail(page: AuditRead, paging: PageParams) -> Response:
    typed = forms.typed_query(page.request)
    result = None
    errors = None
    members = page.ws.can("members:read")
    try:
        filters = await _audit_filters(page, typed)
        result = await forms.run(
            page.db, lambda: audit.list_events(page.ws, page.db, filters, paging)
        )
    except forms.FormErrors as exc:
        errors = exc
    return await page.render(
        "settings/audit.html",
        status_code=422 if errors else 200,
        result=result,
        entity_types=[(t, t.replace("_", " ")) for t in audit.ENTITY_TYPES],
        record_paths=RECORD_PATHS,
        namer=event_name,
        # Records this page shows deleted have no page to open, in any of their events.
        deleted={e.entity_id for e in result.items if e.action.endswith(".deleted")}
        if result
        else set(),
        actor=await choices.field(page, choices.MEMBERS, "actor", typed) if members else None,
        form=typed,
        errors=errors,
    )


@lists.csv_route(router, "/w/{workspace_ref}/settings/audit.csv")
async def audit_trail_csv(page: AuditRead) -> Response:
    try:
        filters = await _audit_filters(page, forms.typed_query(page.request))
    except forms.FormErrors as errors:
        raise lists.refused(errors) from None
    zone = await page.time_zone()
    columns: list[lists.Column[audit_schemas.AuditEvent]] = [
        lists.Column("Time", lambda e: lists.moment(e.occurred_at, zone)),
        lists.Column("Actor", lambda e: e.actor_email or "system"),
        lists.Column("Action", lambda e: e.action),
        lists.Column("Entity", lambda e: labelled(e.entity_type)),
        lists.Column("Entity ID", lambda e: e.entity_id),
        lists.Column("Name", lambda e: event_name(e.changes)),
        lists.Column("Changes", lambda e: json.dumps(e.changes, ensure_ascii=False, default=str)),
        lists.Column("Request", lambda e: e.request_id),
    ]
    return await lists.download(
        "audit-trail",
        columns,
        pages(lambda p: audit.list_events(page.ws, page.db, filters, p)),
    )
