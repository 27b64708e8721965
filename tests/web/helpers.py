"""Pages over real HTTP, as a browser holds them: a session cookie and a CSRF token.

`Browser(server, actor)` is signed in as `actor` through the session cookie (never a
bearer token); `post` adds the CSRF field the page's forms carry, read from a page as a
browser gets it. `Browser(server)` is anonymous. Redirects are not followed, so tests
see them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any
from urllib.parse import quote

import httpx

from atlas.db.ids import uuid7
from tests.factories import Actor, Factory
from tests.roles.helpers import new_role

CSRF = "csrf_token"
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(resp: httpx.Response) -> str:
    """The CSRF token in a page's forms."""
    match = TOKEN_FIELD.search(resp.text)
    assert match, f"no CSRF field in {resp.status_code}: {resp.text[:300]}"
    return unescape(match.group(1))


class Browser:
    def __init__(self, base_url: str, actor: Actor | None = None) -> None:
        cookies = {"atlas_session": actor.token} if actor is not None else {}
        self.http = httpx.Client(base_url=base_url, cookies=cookies, timeout=30)
        self._csrf: tuple[frozenset[str], str] | None = None

    def close(self) -> None:
        self.http.close()

    @property
    def csrf(self) -> str:
        """The token the pages give this browser now (it follows the session cookie)."""
        jar = self.http.cookies.jar
        sessions = frozenset(c.value or "" for c in jar if c.name == "atlas_session")
        if self._csrf is None or self._csrf[0] != sessions:
            page = self.http.get("/account" if sessions else "/sign-in")
            self._csrf = (sessions, form_token(page))
        return self._csrf[1]

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any
    ) -> httpx.Response:
        """A form post; list values become repeated fields (checkboxes, lines)."""
        fields: dict[str, str | list[str]] = {CSRF: self.csrf} if csrf else {}
        for key, value in (data or {}).items():
            is_list = isinstance(value, list | tuple)
            fields[key] = [str(v) for v in value] if is_list else str(value)
        return self.http.post(path, data=fields, **kw)


def text(resp: httpx.Response) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded, blanks collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", resp.text, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def field_error(html: str, name: str) -> str:
    """The error message shown under form field `name`."""
    match = re.search(rf'<small id="{name}-error" class="field-error">([^<]*)</small>', html)
    assert match, html[:3000]
    return unescape(match.group(1))


def redirected_to(resp: httpx.Response) -> str:
    assert resp.status_code == 303, f"{resp.status_code}: {resp.text[:300]}"
    return resp.headers["location"]


def assert_page_access(
    browser_for: Callable[[Actor | None], Browser],
    url: str,
    *,
    stranger: Actor,
    denied: Actor,
    allowed: Actor,
    permission: str,
) -> None:
    """Anonymous: to the sign-in page; a non-member: 404; a member without `permission`:
    403 naming it; `allowed`: the page."""
    anonymous = browser_for(None).get(url)
    assert redirected_to(anonymous) == f"/sign-in?next={quote(url, safe='/')}"
    outside = browser_for(stranger).get(url)
    assert outside.status_code == 404
    assert "Page not found" in text(outside)
    refused = browser_for(denied).get(url)
    assert refused.status_code == 403
    assert permission in text(refused)
    shown = browser_for(allowed).get(url)
    assert shown.status_code == 200, shown.text[:500]


def assert_ledger_page_access(
    factory: Factory,
    browser_for: Callable[[Actor | None], Browser],
    url: str,
    ws: Any,
    stranger: Actor,
    reader: Actor,
) -> None:
    """The access cases of a page of the books that `ledger:read` opens: a member
    (who lacks it) is refused, `reader` (who holds it alone) sees it."""
    assert_page_access(
        browser_for,
        url,
        stranger=stranger,
        denied=factory.member(ws, "member"),
        allowed=reader,
        permission="ledger:read",
    )


def member_with(
    factory: Factory, owner: Actor, ws: dict[str, Any], permissions: list[str]
) -> Actor:
    """A new member of `ws` whose custom role holds `permissions` only."""
    role = new_role(owner, ws, permissions=permissions)
    user = factory.user()
    factory.sql.owner(
        "INSERT INTO workspace_members (workspace_id, id, user_id, role, custom_role_id)"
        " VALUES (%s, %s, %s, %s, %s)",
        ws["id"],
        uuid7(),
        user.id,
        role["name"],
        role["id"],
        workspace=ws["id"],
    )
    return user
