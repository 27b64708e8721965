"""Sign-up, sign-in and sign-out pages, over the identity service the API uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from atlas.config import Settings
from atlas.identity import schemas, service
from atlas.identity.http import clear_session_cookie, client_of, set_session_cookie
from atlas.web import forms
from atlas.web.access import PublicPage, SignedInPage
from atlas.web.render import PageContext
from atlas.web.routing import page_router, safe_next

router = page_router()

Next = Annotated[str | None, Query(max_length=2000)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _landing(page: PageContext) -> str:
    """Where a signed-in user starts: the active workspace, else the workspace list."""
    principal = page.user
    if principal.active_workspace_id is not None and page.workspace is not None:
        return f"/w/{page.workspace.workspace_slug}/"
    return "/workspaces"


@router.get("/")
async def home(page: PublicPage) -> Response:
    if page.principal is None:
        return page.redirect("/sign-in")
    return page.redirect(await _landing(page))


@router.get("/sign-in")
async def sign_in_form(page: PublicPage, next: Next = None) -> Response:
    if page.principal is not None:
        return page.redirect(safe_next(next, await _landing(page)))
    return await page.render("auth/sign_in.html", form={}, errors=None, next=safe_next(next, ""))


@router.post("/sign-in")
async def sign_in(page: PublicPage) -> Response:
    request = page.request
    form = await forms.read_form(request)
    target = safe_next(form.pop("next", None))
    settings = _settings(request)
    try:
        data = forms.parse(schemas.SignIn, form)
        result = await forms.run(
            page.db,
            lambda: service.sign_in(
                page.db, settings, request.app.state.sign_in_throttles, data, client_of(request)
            ),
            passthrough=(),
        )
    except forms.FormErrors as errors:
        form.pop("password", None)
        return await page.render(
            "auth/sign_in.html", status_code=422, form=form, errors=errors, next=target
        )
    response = page.redirect(target)
    set_session_cookie(response, settings, result.token)
    return response


@router.get("/sign-up")
async def sign_up_form(page: PublicPage, next: Next = None) -> Response:
    return await page.render(
        "auth/sign_up.html",
        form={},
        errors=None,
        next=safe_next(next, ""),
        min_password=_settings(page.request).password_min_length,
    )


@router.post("/sign-up")
async def sign_up(page: PublicPage) -> Response:
    request = page.request
    form = await forms.read_form(request)
    target = safe_next(form.pop("next", None), "/workspaces/new")
    settings = _settings(request)
    try:
        data = forms.parse(schemas.SignUp, form)
        result = await forms.run(
            page.db, lambda: service.sign_up(page.db, settings, data, client_of(request))
        )
    except forms.FormErrors as errors:
        form.pop("password", None)
        return await page.render(
            "auth/sign_up.html",
            status_code=422,
            form=form,
            errors=errors,
            next=target,
            min_password=settings.password_min_length,
        )
    response = page.redirect(target, f"Welcome, {result.user.name}!")
    set_session_cookie(response, settings, result.token)
    return response


@router.post("/sign-out")
async def sign_out(page: SignedInPage) -> Response:
    await service.sign_out(page.user, page.db)
    response = page.redirect("/sign-in", "You are signed out.")
    clear_session_cookie(response)
    return response
