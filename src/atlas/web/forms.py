"""Forms: parse a posted form with the API's own schemas, run the service, show errors.

Errors have the API's shape (`code`, `message`, `details` with fields), so a page shows
exactly what the JSON API would answer, next to the field it concerns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Annotated, Any, TypeVar

import asyncpg
from fastapi import Query, Request
from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from atlas.db.pool import savepoint
from atlas.errors import AtlasError, plain_message
from atlas.web.i18n import N_
from atlas.web.security import CSRF_FIELD

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

FormData = dict[str, Any]

# PostgreSQL's text cannot hold NUL, which a form or an address may carry (%00); refused
# here, on the field, before the database would refuse the whole request.
NUL_MESSAGE = N_("must not contain the NUL character")


def _without_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", NUL_MESSAGE)
    return value


CORRECT_THE_FIELDS = N_("Please correct the fields marked below.")

# Text read from a page's address (search boxes, sort keys, choices).
QueryText = Annotated[str | None, Query(max_length=200), AfterValidator(_without_nul)]


def typed_query(request: Request) -> FormData:
    """A page's address as its GET filter form typed it: values stripped, blank ones left out."""
    return {k: v.strip() for k, v in request.query_params.items() if v.strip()}


class FormErrors(Exception):
    """What was wrong with a submitted form: a message, one message per field, and the
    HTTP status the API answers for it (422 for a form's own errors, 409 for a conflict)."""

    def __init__(
        self, message: str, fields: Mapping[str, str] | None = None, status: int = 422
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        self.status = status

    def get(self, field: str) -> str | None:
        return self.fields.get(field)


def _field_name(location: str) -> str:
    for prefix in ("body.", "query.", "path."):
        if location.startswith(prefix):
            return location[len(prefix) :]
    return location


async def read_form(request: Request, *, lists: tuple[str, ...] = ()) -> FormData:
    """The posted fields without the CSRF token; blank fields are left out.

    Fields named in `lists` keep every value (checkboxes, multi-selects).
    """
    form = await request.form()
    data: FormData = {}
    for key in form:
        if key == CSRF_FIELD:
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        if key in lists:
            data[key] = [v for v in values if v.strip()]
        elif values and values[-1].strip():
            data[key] = values[-1].strip()
    return data


def _with_nul(value: Any, path: str = "") -> Iterator[str]:
    """Paths (as pydantic writes them: `lines.0.description`) of text values with NUL."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path or "form"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _with_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _with_nul(item, f"{path}.{index}")


def parse(model: type[M], data: Mapping[str, Any]) -> M:
    """`model` from form data, or FormErrors naming each invalid field (text with NUL
    included, whatever the model says of the field)."""
    fields = dict.fromkeys(_with_nul(data), NUL_MESSAGE)
    try:
        parsed = model.model_validate(dict(data))
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(str(part) for part in err.get("loc", ())) or "form"
            fields.setdefault(name, plain_message(err))
        raise FormErrors(CORRECT_THE_FIELDS, fields) from exc
    if fields:
        raise FormErrors(CORRECT_THE_FIELDS, fields)
    return parsed


def errors_of(exc: AtlasError) -> FormErrors:
    fields = {
        _field_name(str(d.get("field", ""))): str(d.get("message", ""))
        for d in exc.details
        if d.get("field")
    }
    return FormErrors(exc.message, fields, exc.status)


async def run(
    db: asyncpg.Connection,
    action: Callable[[], Awaitable[T]],
    *,
    passthrough: tuple[int, ...] = (401, 403, 404),
) -> T:
    """Runs a service call in a savepoint; its refusal becomes FormErrors, its writes undone.

    Refusals with a status in `passthrough` propagate and show as the error page.
    """
    try:
        async with savepoint(db, "form"):
            return await action()
    except AtlasError as exc:
        if exc.status in passthrough:
            raise
        raise errors_of(exc) from exc
