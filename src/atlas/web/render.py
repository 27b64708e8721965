"""Templates, the page context every page route gets, flash messages and redirects."""

from __future__ import annotations

import base64
import binascii
import json
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
from babel.numbers import get_currency_name
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.templating import Jinja2Templates

from atlas.config import Settings
from atlas.identity.csrf import CSRF_COOKIE
from atlas.locales import LOCALE_NAMES, Locale, effective_locale
from atlas.pagination import PageRequest
from atlas.tenancy.context import Principal, WorkspaceContext
from atlas.validation import ISO_CURRENCIES, STORED_DECIMALS, is_stored_to_its_unit, minor_units
from atlas.web import formats, i18n
from atlas.web.assets import asset
from atlas.web.security import csrf_token
from atlas.web.shell import Crumb, Shell, shell_of
from atlas.workspaces import schemas as workspace_schemas
from atlas.workspaces import service as workspaces

TEMPLATES = Path(__file__).parent / "templates"
# What a currency or a time zone field offers as it is typed: ISO 4217 codes with their
# names, IANA zone names (the API checks against the same lists).
CHOICE_LISTS = {
    "currencies": [
        (code, get_currency_name(code, locale="en"))
        for code in sorted(ISO_CURRENCIES)
        if is_stored_to_its_unit(code)
    ],
    "time_zones": [(zone, zone) for zone in sorted(zoneinfo.available_timezones())],
}
# The locale pickers' choices, each with what it looks like ("03.12.2026 · 1.234,56").
LOCALE_SAMPLE = (date(2026, 12, 3), Decimal("1234.56"))
LOCALE_CHOICES = [
    (
        locale.value,
        f"{LOCALE_NAMES[locale]}: {formats.day(LOCALE_SAMPLE[0], locale=locale)}"
        f" · {formats.number(LOCALE_SAMPLE[1], 2, locale=locale)}",
    )
    for locale in Locale
]
FLASH_COOKIE = "atlas_flash"
SWITCHER_SIZE = 50


# The filters of `atlas.web.formats`, in the page's locale (and time zone).
@pass_context
def _money(
    context: Context, value: formats.Number, currency: str | None = None, *, code: bool = True
) -> str:
    return formats.money(value, currency, code=code, locale=i18n.locale_of(context))


def amount_step(currency: str | None) -> str:
    """The step of an amount field in `currency`: '1' for JPY, '0.01' for EUR."""
    places = minor_units(currency) if currency in ISO_CURRENCIES else STORED_DECIMALS
    return str(Decimal(1).scaleb(-places))


@pass_context
def _number(context: Context, value: formats.Number, places: int | None = None) -> str:
    return formats.number(value, places, locale=i18n.locale_of(context))


@pass_context
def _hours(context: Context, value: formats.Number) -> str:
    return formats.hours(value, locale=i18n.locale_of(context))


@pass_context
def _percent(context: Context, value: formats.Number) -> str:
    return formats.percent(value, locale=i18n.locale_of(context))


@pass_context
def _day(context: Context, value: date | datetime | None) -> str:
    return formats.day(value, locale=i18n.locale_of(context))


@pass_context
def _moment(context: Context, value: datetime | None) -> str:
    """A moment in the page's time zone (the workspace's; UTC outside one), named after it."""
    return formats.moment(value, context.get("time_zone") or "UTC", locale=i18n.locale_of(context))


def labelled(value: str | None) -> str:
    """'in_progress' -> 'In progress'."""
    return "" if not value else value.replace("_", " ").capitalize()


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=_money,
        amount_step=amount_step,
        number=_number,
        hours=_hours,
        percent=_percent,
        day=_day,
        moment=_moment,
        labelled=labelled,
    )
    i18n.install(env)
    env.globals["choice_lists"] = CHOICE_LISTS
    env.globals["locale_choices"] = LOCALE_CHOICES
    env.globals["locale_names"] = LOCALE_NAMES
    env.globals["asset"] = asset
    return env


templates = Jinja2Templates(env=_environment())


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """`?a=1&b=2` from the current query and some changed values (None drops a key)."""
    merged = {**params, **changes}
    pairs = [(k, v) for k, v in merged.items() if v is not None and v != ""]
    return f"?{urlencode(pairs, doseq=True)}" if pairs else "?"


def _pop_flash(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        messages = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, binascii.Error):
        return []
    if not isinstance(messages, list):
        return []
    return [
        {"kind": str(m.get("kind", "info")), "text": str(m.get("text", ""))}
        for m in messages
        if isinstance(m, dict)
    ][:5]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@dataclass
class PageContext:
    """What a page route knows: the request, its transaction, the caller and the workspace."""

    request: Request
    db: asyncpg.Connection
    principal: Principal | None = None
    workspace: WorkspaceContext | None = None

    def __post_init__(self) -> None:
        # The error page of this request shows the caller's header (`atlas.web.errors`).
        self.request.state.page = self

    @property
    def ws(self) -> WorkspaceContext:
        assert self.workspace is not None, "a workspace page's dependency sets it"
        return self.workspace

    @property
    def user(self) -> Principal:
        assert self.principal is not None, "a signed-in page's dependency sets it"
        return self.principal

    def url(self, path: str = "") -> str:
        """A URL inside the current workspace: `/w/{slug}{path}`."""
        return f"/w/{self.ws.workspace_slug}{path}"

    async def _switcher(self) -> list[workspace_schemas.Workspace]:
        if self.principal is None:
            return []
        page = await workspaces.list_my_workspaces(
            self.principal,
            self.db,
            workspace_schemas.WorkspaceFilters(),
            PageRequest(limit=SWITCHER_SIZE, offset=0),
        )
        return page.items

    async def time_zone(self) -> str:
        """The zone times show in: the workspace's, UTC outside a workspace (as the guard
        read it: no query of its own)."""
        return "UTC" if self.workspace is None else self.workspace.time_zone

    @property
    def locale(self) -> Locale:
        """What dates and numbers show in: the user's choice, else the workspace's, else
        the default (read with the caller by the guard)."""
        return effective_locale(
            self.principal.locale if self.principal else None,
            self.workspace.locale if self.workspace else None,
        )

    def _(self, message: str, **values: object) -> str:
        """`message` in the page's language (`atlas.web.i18n`), its `%(name)s` placeholders
        filled from `values`: `page._("Task %(key)s saved.", key=task.key)`."""
        text = i18n.gettext(self.locale, message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        """The form of `count` (`%(count)d`) in the page's language, filled from `values`."""
        return i18n.ngettext(self.locale, singular, plural, count) % {"count": count, **values}

    def money(self, value: formats.Number, currency: str) -> str:
        """An amount as the page's `money` filter shows it (for flash messages)."""
        return formats.money(value, currency, locale=self.locale)

    def shell(self, crumbs: Sequence[Crumb] = ()) -> Shell | None:
        """The workspace's navigation and this page's breadcrumbs (none outside one)."""
        if self.workspace is None:
            return None
        ws = self.workspace
        return shell_of(
            self.request.url.path, ws.workspace_slug, ws.workspace_name, ws.can, crumbs, self._
        )

    async def render(
        self,
        template: str,
        status_code: int = 200,
        *,
        crumbs: Sequence[Crumb] = (),
        **values: Any,
    ) -> Response:
        """`crumbs`: what follows the list in the breadcrumbs (the record, its sub-page)."""
        request = self.request
        flash = _pop_flash(request)
        context = {
            "request": request,
            "page": self,
            "principal": self.principal,
            "ws": self.workspace,
            "can": self.workspace.can if self.workspace else (lambda _: False),
            "shell": self.shell(crumbs),
            "my_workspaces": await self._switcher(),
            "time_zone": await self.time_zone(),
            "locale": self.locale,
            "csrf_token": csrf_token(request),
            "flash": flash,
            "query": dict(request.query_params),
            "query_string": query_string,
            **values,
        }
        response: Response = templates.TemplateResponse(
            request, template, context, status_code=status_code
        )
        finish(request, response, clear_flash=bool(flash))
        return response

    def redirect(self, url: str, message: str | None = None, kind: str = "success") -> Response:
        return redirect(self.request, url, message, kind)


def finish(request: Request, response: Response, *, clear_flash: bool = False) -> None:
    """Sets the pre-session CSRF cookie a page created, and clears shown flash messages."""
    settings = _settings(request)
    new_cookie = getattr(request.state, "new_csrf_cookie", None)
    if new_cookie:
        response.set_cookie(
            CSRF_COOKIE,
            new_cookie,
            httponly=True,
            samesite="strict",
            secure=settings.cookie_secure,
            path="/",
        )
    if clear_flash:
        response.delete_cookie(FLASH_COOKIE, path="/")


def redirect(
    request: Request, url: str, message: str | None = None, kind: str = "success"
) -> Response:
    """A 303 to `url` (HTMX: an HX-Redirect), with a message shown on the next page."""
    response: Response
    if request.headers.get("hx-request"):
        response = HTMLResponse("", headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if message:
        response.set_cookie(
            FLASH_COOKIE,
            base64.urlsafe_b64encode(
                json.dumps([{"kind": kind, "text": message}]).encode()
            ).decode(),
            httponly=True,
            samesite="lax",
            secure=_settings(request).cookie_secure,
            path="/",
            max_age=60,
        )
    finish(request, response)
    return response
