"""Sign-up, sign-in, sign-out, password reset and email verification pages, over the
identity service the API uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Query, Request
from fastapi.responses import Response

from atlas.config import Settings
from atlas.errors import AtlasError
from atlas.identity import schemas, service
from atlas.identity.http import clear_session_cookie, client_of, set_session_cookie
from atlas.limits.dependencies import AuthAction, check_auth_limit
from atlas.mail.sender import emails_go_to_the_log
from atlas.pagination import PageRequest
from atlas.web import forms
from atlas.web.access import PublicPage, SignedInPage
from atlas.web.render import PageContext
from atlas.web.routing import page_router, safe_next
from atlas.workspaces import schemas as workspace_schemas
from atlas.workspaces import service as workspaces

router = page_router()

T = TypeVar("T")

Next = Annotated[str | None, Query(max_length=2000)]
Token = Annotated[str, Query(max_length=200)]


def _limited(
    request: Request, action: AuthAction, email: str, call: Callable[[], Awaitable[T]]
) -> Callable[[], Awaitable[T]]:
    """`call`, counted by the same rate limits as the API's route (429 shows on the form)."""

    async def attempt() -> T:
        await check_auth_limit(request, action, email)
        return await call()

    return attempt


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _landing(page: PageContext) -> str:
    """Where a signed-in user starts: the active workspace, else their only one, else the
    workspace list."""
    principal = page.user
    if principal.active_workspace_id is not None and page.workspace is not None:
        return f"/w/{page.workspace.workspace_slug}/"
    mine = await workspaces.list_my_workspaces(
        principal, page.db, workspace_schemas.WorkspaceFilters(), PageRequest(limit=2, offset=0)
    )
    if len(mine.items) == 1:
        return f"/w/{mine.items[0].slug}/"
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
            _limited(
                request,
                "sign-in",
                data.email,
                lambda: service.sign_in(
                    page.db,
                    settings,
                    request.app.state.sign_in_throttles,
                    data,
                    client_of(request),
                ),
            ),
            passthrough=(),
        )
    except forms.FormErrors as errors:
        form.pop("password", None)
        return await page.render(
            "auth/sign_in.html", status_code=errors.status, form=form, errors=errors, next=target
        )
    return await _signed_in(page, result, target, "")


async def _signed_in(
    page: PageContext,
    result: schemas.AuthResult | schemas.TwoFactorChallenge,
    target: str,
    flash: str,
) -> Response:
    """Into `target` with the new session; for an account with two-factor on, the page
    that asks for the code."""
    if isinstance(result, schemas.TwoFactorChallenge):
        return await page.render(
            "auth/two_factor.html", errors=None, challenge=result.challenge, next=target
        )
    response = page.redirect(target, flash or None)
    set_session_cookie(response, _settings(page.request), result.token)
    return response


@router.post("/sign-in/two-factor")
async def sign_in_two_factor(page: PublicPage) -> Response:
    """The code that answers the sign-in's challenge. A wrong one is counted and kept (no
    savepoint rolls it back); the page asks again, or for the password once the challenge
    is spent."""
    request = page.request
    form = await forms.read_form(request)
    target = safe_next(form.pop("next", None))
    challenge = form.get("challenge", "")
    result: schemas.AuthResult | AtlasError
    try:
        data = forms.parse(schemas.TwoFactorSignIn, form)
        await check_auth_limit(request, "sign-in", "")
        result = await service.finish_two_factor_sign_in(
            page.db, _settings(request), request.app.state.two_factor, data, client_of(request)
        )
    except forms.FormErrors as errors:
        return await _ask_code(page, errors, challenge, target)
    except AtlasError as error:
        result = error
    if isinstance(result, AtlasError):
        if result.code == "challenge_expired":
            return await page.render(
                "auth/sign_in.html",
                status_code=result.status,
                form={},
                errors=forms.errors_of(result),
                next=target,
            )
        return await _ask_code(page, forms.errors_of(result), challenge, target)
    return await _signed_in(page, result, target, "")


async def _ask_code(
    page: PageContext, errors: forms.FormErrors, challenge: str, target: str
) -> Response:
    return await page.render(
        "auth/two_factor.html",
        status_code=errors.status,
        errors=errors,
        challenge=challenge,
        next=target,
    )


@router.get("/sign-up")
async def sign_up_form(page: PublicPage) -> Response:
    return await page.render(
        "auth/sign_up.html",
        form={},
        errors=None,
        min_password=_settings(page.request).password_min_length,
        in_the_log=emails_go_to_the_log(_settings(page.request)),
    )


@router.post("/sign-up")
async def sign_up(page: PublicPage) -> Response:
    """The same page whether the address has an account or not: check your inbox."""
    request = page.request
    form = await forms.read_form(request)
    settings = _settings(request)
    try:
        data = forms.parse(schemas.SignUp, form)
        result = await forms.run(
            page.db,
            _limited(
                request,
                "sign-up",
                data.email,
                lambda: service.sign_up(page.db, settings, data),
            ),
        )
    except forms.FormErrors as errors:
        form.pop("password", None)
        return await page.render(
            "auth/sign_up.html",
            status_code=errors.status,
            form=form,
            errors=errors,
            min_password=settings.password_min_length,
            in_the_log=emails_go_to_the_log(settings),
        )
    return await page.render(
        "auth/check_inbox.html",
        message=result.message,
        email=data.email,
        in_the_log=emails_go_to_the_log(settings),
    )


@router.post("/sign-out")
async def sign_out(page: SignedInPage) -> Response:
    await service.sign_out(page.user, page.db)
    response = page.redirect("/sign-in", page._("You are signed out."))
    clear_session_cookie(response)
    return response


@router.get("/forgot-password")
async def forgot_password_form(page: PublicPage) -> Response:
    return await page.render("auth/forgot_password.html", form={}, errors=None)


@router.post("/forgot-password")
async def forgot_password(page: PublicPage) -> Response:
    """Queues a reset link; the answer never tells whether the account exists."""
    form = await forms.read_form(page.request)
    settings = _settings(page.request)
    try:
        data = forms.parse(schemas.PasswordResetRequest, form)
        result = await forms.run(
            page.db,
            _limited(
                page.request,
                "password-reset",
                data.email,
                lambda: service.request_password_reset(page.db, settings, data),
            ),
        )
    except forms.FormErrors as errors:
        return await page.render(
            "auth/forgot_password.html", status_code=errors.status, form=form, errors=errors
        )
    return page.redirect("/sign-in", result.message)


@router.get("/reset-password")
async def reset_password_form(page: PublicPage, token: Token = "") -> Response:
    return await page.render(
        "auth/reset_password.html",
        form={"token": token},
        errors=None,
        min_password=_settings(page.request).password_min_length,
    )


@router.post("/reset-password")
async def reset_password(page: PublicPage) -> Response:
    form = await forms.read_form(page.request)
    settings = _settings(page.request)
    try:
        data = forms.parse(schemas.PasswordResetConfirm, form)
        await forms.run(page.db, lambda: service.confirm_password_reset(page.db, settings, data))
    except forms.FormErrors as errors:
        form.pop("new_password", None)
        return await page.render(
            "auth/reset_password.html",
            status_code=422,
            form=form,
            errors=errors,
            min_password=settings.password_min_length,
        )
    response = page.redirect(
        "/sign-in", page._("Your password is changed; sign in with the new one.")
    )
    clear_session_cookie(response)
    return response


@router.get("/verify-email")
async def verify_email_form(page: PublicPage, token: Token = "") -> Response:
    """Asks for a click: a GET never uses the token (mail scanners open links)."""
    return await page.render("auth/verify_email.html", form={"token": token}, errors=None)


@router.post("/verify-email")
async def verify_email(page: PublicPage) -> Response:
    """Uses the emailed token: the address is verified and the browser signed in."""
    request = page.request
    form = await forms.read_form(request)
    settings = _settings(request)
    try:
        data = forms.parse(schemas.VerifyEmail, form)
        result = await forms.run(
            page.db, lambda: service.verify_email(page.db, settings, data, client_of(request))
        )
    except forms.FormErrors as errors:
        return await page.render(
            "auth/verify_email.html", status_code=422, form=form, errors=errors
        )
    return await _signed_in(page, result, "/", page._("Your email address is verified."))
