"""Errors on pages: the API's handlers answer JSON; page paths get pages instead.

Anonymous visitors of a signed-in page are sent to the sign-in page (back afterwards);
every other error renders the error page with the API's message and status. HTMX
requests get the same through HX-Redirect, or the message in the page's alert area.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import cast
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from atlas.errors import AtlasError
from atlas.locales import DEFAULT_LOCALE, Locale
from atlas.tenancy.context import PermissionDenied
from atlas.web import i18n
from atlas.web.i18n import N_
from atlas.web.render import PageContext, finish, templates
from atlas.web.security import csrf_token

NOT_PAGES = ("/api/", "/static/", "/healthz", "/readyz", "/livez")
TITLES = {
    400: N_("Bad request"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    422: N_("Invalid request"),
    429: N_("Too many requests"),
    503: N_("Temporarily unavailable"),
}
NO_SUCH_PAGE = N_("There is no such page.")

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(NOT_PAGES)


def _sign_in_redirect(request: Request) -> Response:
    target = request.url.path if request.method == "GET" else "/"
    if request.method == "GET" and request.url.query:
        target += f"?{request.url.query}"
    url = f"/sign-in?next={quote(target, safe='/')}"
    if request.headers.get("hx-request"):
        return HTMLResponse("", headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


# How a refused permission reads on the 403 page: "<verb> <what>" (the name follows it).
VERBS = {
    "read": N_("see"),
    "write": N_("change"),
    "update": N_("change"),
    "manage": N_("manage"),
    "void": N_("void or credit"),
    "record": N_("record"),
    "post": N_("post to"),
    "grant-owner": N_("make owners among"),
    "salary": N_("see the salaries of"),
}
RESOURCES = {
    "workspace": N_("the workspace"),
    "ledger": N_("the journal"),
    "books": N_("the books"),
    "accounts": N_("the chart of accounts"),
    "reports": N_("the financial reports"),
    "audit": N_("the audit trail"),
    "time": N_("time entries"),
    "hr": N_("employees"),
    "leave": N_("leave"),
}


def permission_in_words(permission: str, locale: Locale = DEFAULT_LOCALE) -> str:
    """`invoices:write` -> "change invoices"; `ledger:read` -> "see the journal"."""
    resource, _, action = permission.partition(":")
    verb = i18n.gettext(locale, VERBS[action]) if action in VERBS else action
    what = i18n.gettext(locale, RESOURCES[resource]) if resource in RESOURCES else resource
    return i18n.gettext(locale, "%(verb)s %(what)s") % {"verb": verb, "what": what}


def _denied(exc: PermissionDenied, page: PageContext | None) -> str:
    locale = page.locale if page else DEFAULT_LOCALE
    where = (
        page.workspace.workspace_name
        if page and page.workspace
        else i18n.gettext(locale, "this workspace")
    )
    message = i18n.gettext(
        locale,
        "Your role in %(where)s, %(role)s, does not let you %(action)s (%(permission)s)."
        " An owner or an admin of the workspace can give you a role that does.",
    )
    return message % {
        "where": where,
        "role": exc.role,
        "action": permission_in_words(exc.permission, locale),
        "permission": exc.permission,
    }


def _page_of(request: Request) -> PageContext | None:
    """The request's page context, when a page dependency made one (`PageContext`)."""
    page: PageContext | None = getattr(request.state, "page", None)
    return page


def _own(request: Request, message: str) -> str:
    """A text of the error pages' own (not the API's message), in the page's language."""
    page = _page_of(request)
    return i18n.gettext(page.locale if page else DEFAULT_LOCALE, message)


def error_page(request: Request, status: int, message: str, code: str) -> Response:
    if request.headers.get("hx-request"):
        # Shown in the page's alert area, whatever the request's own target was.
        response: Response = templates.TemplateResponse(
            request,
            "partials/alert.html",
            {"kind": "error", "text": message},
            status_code=200,
            headers={"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"},
        )
        return response
    # The caller's header when the page knew them (`PageContext` records itself).
    page = _page_of(request)
    principal = page.principal if page else None
    ws = page.workspace if page else None
    # The navigation, but no trail: the page the trail would name is not shown.
    shell = page.shell() if page else None
    response = templates.TemplateResponse(
        request,
        "errors/error.html",
        {
            "status": status,
            "title": _own(request, TITLES.get(status, N_("Something went wrong"))),
            "message": message,
            "code": code,
            "principal": principal,
            "ws": ws,
            "shell": replace(shell, breadcrumbs=()) if shell else None,
            "my_workspaces": [],
            "flash": [],
            "csrf_token": csrf_token(request) if principal else "",
            "can": ws.can if ws else (lambda _: False),
            "locale": page.locale if page else DEFAULT_LOCALE,
            "time_zone": ws.time_zone if ws else "UTC",
        },
        status_code=status,
    )
    finish(request, response)
    return response


def _invalid_address(exc: RequestValidationError) -> str:
    """Which values of the address are wrong, and why: `week: must be between ...`."""
    problems = [
        f"{err['loc'][-1]}: {err.get('msg', 'invalid')}" for err in exc.errors() if err.get("loc")
    ]
    return f"The address has invalid values ({'; '.join(problems)})."


def _page_response(request: Request, exc: Exception) -> Response:
    if isinstance(exc, AtlasError):
        if exc.status == 401:
            return _sign_in_redirect(request)
        if isinstance(exc, PermissionDenied):
            denied = _denied(exc, _page_of(request))
            return error_page(request, exc.status, denied, exc.code)
        # A message of the pages' own marked with N_ (or one a catalog has) translated.
        return error_page(request, exc.status, _own(request, exc.message), exc.code)
    if isinstance(exc, RequestValidationError):
        # A malformed id in a page URL names nothing that exists.
        if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
            return error_page(request, 404, _own(request, NO_SUCH_PAGE), "not_found")
        return error_page(request, 422, _invalid_address(exc), "validation_error")
    if isinstance(exc, StarletteHTTPException):
        message = _own(request, NO_SUCH_PAGE) if exc.status_code == 404 else str(exc.detail)
        return error_page(request, exc.status_code, message, "http_error")
    message = _own(request, N_("Something went wrong on our side."))
    return error_page(request, 500, message, "internal_error")


def install_page_errors(app: FastAPI) -> None:
    """Wraps the API's exception handlers: page paths get HTML, the rest is unchanged."""
    for exc_class, handler in list(app.exception_handlers.items()):
        api_handler = cast(Handler, handler)

        def both(api: Handler) -> Handler:
            async def handle(request: Request, exc: Exception) -> Response:
                response = await api(request, exc)  # logs as the API does
                if not is_page(request):
                    return response
                if response.status_code == 503:
                    message = _own(request, N_("The database is not reachable; try again shortly."))
                    return error_page(request, 503, message, "database_unavailable")
                return _page_response(request, exc)

            return handle

        app.exception_handlers[exc_class] = both(api_handler)
