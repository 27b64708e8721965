"""Bulk actions of the lists: one service call per chosen row, all in one savepoint.

A list's form posts the chosen rows' ids (`ids`, repeated checkboxes) to an address with
the list's own query, so that the answer shows the list as it was (filters, sort, page).
Every row runs through the same service function, with the same checks, as one at a
time; the first refusal undoes every row done before it. A row of another workspace (or none) is the
404 page and a missing permission the 403 page, as for one row; any other refusal comes
back as a message naming the row and why, with nothing changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from fastapi.responses import Response

from atlas.db.pool import savepoint
from atlas.errors import AtlasError, Forbidden, Invalid
from atlas.pagination import MAX_LIMIT
from atlas.web import forms
from atlas.web.i18n import N_
from atlas.web.render import PageContext

IDS_FIELD = "ids"
# The most rows one request may act on: the largest page of a list.
MAX_IDS = MAX_LIMIT

NOTHING_CHOSEN = N_("Choose at least one row first.")


def the_list(page: PageContext, path: str) -> str:
    """The list at `path` as it was shown: its form posts to an address that carries the
    list's query (filters, sort, page), which the answer goes back to."""
    query = page.request.url.query
    return page.url(path) + (f"?{query}" if query else "")


async def read_ids(page: PageContext) -> tuple[list[uuid.UUID], forms.FormData]:
    """The chosen ids (each once, in the order posted) and the rest of the form.

    More than MAX_IDS, or a value that is no id, is refused (422) before anything runs.
    """
    form = await forms.read_form(page.request, lists=(IDS_FIELD,))
    posted: list[str] = form.pop(IDS_FIELD, [])
    ids: list[uuid.UUID] = []
    for value in posted:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            raise Invalid(
                page._("A chosen row is not an id."),
                code="validation_error",
                details=[{"field": IDS_FIELD, "message": "must be ids"}],
            ) from None
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_IDS:
        raise Invalid(
            page._(
                "At most %(most)d rows can be changed at once; %(chosen)d were chosen.",
                most=MAX_IDS,
                chosen=len(unique),
            ),
            code="too_many_ids",
            details=[{"field": IDS_FIELD, "message": f"at most {MAX_IDS} ids"}],
        )
    return unique, form


async def apply_all(
    page: PageContext,
    back: str,
    ids: Sequence[uuid.UUID],
    action: Callable[[uuid.UUID], Awaitable[object]],
    name_of: Callable[[uuid.UUID], Awaitable[str]],
    done: str,
) -> Response:
    """Runs `action` on every id, all or nothing, and redirects to `back`: with `done`
    when all are done, else with the message naming the refused row (`name_of`, read
    after the undo) and why.

    A 401 or 404 propagates as it is (the whole request is refused without saying which
    id); a 403 propagates with the row's name in its message.
    """
    if not ids:
        return page.redirect(back, page._(NOTHING_CHOSEN), kind="error")
    current = ids[0]
    try:
        async with savepoint(page.db, "bulk"):
            for current in ids:
                await action(current)
    except AtlasError as exc:
        if exc.status in (401, 404):
            raise
        named = f"{await name_of(current)}: {exc.message}"
        if exc.status == 403:
            raise Forbidden(named, code=exc.code, details=exc.details) from exc
        return page.redirect(
            back, page._("Nothing was changed. %(named)s", named=named), kind="error"
        )
    return page.redirect(back, done)
