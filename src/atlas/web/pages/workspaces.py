"""The workspace list, "new workspace", and each workspace's dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from atlas.dashboard import service as dashboard
from atlas.locales import DEFAULT_LOCALE
from atlas.pagination import PageParams, PageRequest
from atlas.web import forms
from atlas.web.access import SignedInPage, workspace_page
from atlas.web.render import PageContext
from atlas.web.routing import page_router
from atlas.workspaces import schemas, service

router = page_router()

WorkspaceHome = Annotated[PageContext, Depends(workspace_page("workspace:read"))]


@router.get("/workspaces")
async def picker(page: SignedInPage, paging: PageParams) -> Response:
    by_name = schemas.WorkspaceFilters(sort="name")
    result = await service.list_my_workspaces(page.user, page.db, by_name, paging)
    try:
        invitations = await service.list_received_invitations(
            page.user, page.db, PageRequest(limit=1, offset=0)
        )
    except service.EmailNotVerified:
        pending = 0  # an unverified address sees no invitation
    else:
        pending = invitations.total
    return await page.render("workspaces/picker.html", result=result, pending_invitations=pending)


@router.get("/workspaces/new")
async def new_workspace_form(page: SignedInPage) -> Response:
    # The API's defaults as values to keep or change, never as placeholders.
    fields = schemas.WorkspaceCreate.model_fields
    defaults = {name: str(fields[name].default) for name in ("base_currency", "timezone")}
    # The workspace's dates and numbers start as its creator reads them.
    defaults["locale"] = page.user.locale or DEFAULT_LOCALE
    return await page.render("workspaces/new.html", form=defaults, errors=None)


@router.post("/workspaces/new")
async def create_workspace(page: SignedInPage) -> Response:
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.WorkspaceCreate, form)
        created = await forms.run(
            page.db, lambda: service.create_workspace(page.user, page.db, data)
        )
    except forms.FormErrors as errors:
        return await page.render("workspaces/new.html", status_code=422, form=form, errors=errors)
    return page.redirect(
        f"/w/{created.slug}/", page._("Workspace %(name)s created.", name=created.name)
    )


@router.get("/w/{workspace_ref}/")
async def home(page: WorkspaceHome) -> Response:
    workspace = await service.get_workspace(page.ws, page.db)
    board = await dashboard.dashboard(
        page.ws, page.db, workspace.base_currency, datetime.now(UTC).date()
    )
    charts = {code: dashboard.chart_bars(series) for code, series in (board.revenue or {}).items()}
    return await page.render("workspaces/dashboard.html", board=board, charts=charts)
