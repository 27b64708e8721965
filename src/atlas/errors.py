"""One exception hierarchy and one JSON error shape for the whole API."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("atlas.errors")


class AtlasError(Exception):
    """An error with a stable code, a human message and an HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Sequence[dict[str, Any]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = list(details)
        self.headers = headers


class Unauthenticated(AtlasError):
    status = 401
    code = "unauthenticated"


class Forbidden(AtlasError):
    status = 403
    code = "forbidden"


class NotFound(AtlasError):
    status = 404
    code = "not_found"


class Conflict(AtlasError):
    status = 409
    code = "conflict"


class Invalid(AtlasError):
    status = 422
    code = "validation_error"


class TooLarge(AtlasError):
    status = 413
    code = "payload_too_large"


class TooManyRequests(AtlasError):
    status = 429
    code = "too_many_requests"


class ServiceUnavailable(AtlasError):
    status = 503
    code = "service_unavailable"


# The database is down, restarting, refusing connections or cut off: the request can only
# fail, and a retry shortly may succeed. (TimeoutError is an OSError: an acquire, connect or
# query timeout answers the same.)
DATABASE_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable() -> ServiceUnavailable:
    """The one answer for a database that cannot serve the request (503, Retry-After)."""
    return ServiceUnavailable(
        "The database is not reachable; try again shortly.",
        code="database_unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def error_body(code: str, message: str, details: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": list(details)}}


class ErrorDescription(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]]


class ErrorBody(BaseModel):
    """The one error shape (see `error_body`), as the OpenAPI document declares it."""

    error: ErrorDescription


# The error answers any API route may give, declared once for the OpenAPI document
# (`app.include_router(..., responses=API_ERROR_RESPONSES)`); 422 replaces FastAPI's own.
API_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "Malformed request (e.g. a body that is not JSON)",
        401: "Not signed in, or the credentials are invalid",
        403: "Permission denied, or no workspace selected",
        404: "Not found, or not visible in this workspace",
        409: "Conflict with the current state",
        413: "Request body too large",
        422: "Validation error",
        429: "Too many requests",
        503: "Service unavailable",
    }.items()
}


# Pydantic's error types in plain words; the context's values fill the braces.
PLAIN_MESSAGES = {
    "missing": "is required",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be {ge} or more",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be {le} or less",
    "string_too_long": "must be at most {max_length} characters",
    "too_long": "must hold at most {max_length} items",
    "too_short": "must hold at least {min_length} items",
    "decimal_max_places": "must have at most {decimal_places} decimal places",
    "decimal_max_digits": "must have at most {max_digits} digits",
    "decimal_whole_digits": "must have at most {whole_digits} digits before the point",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
    "float_parsing": "must be a number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "datetime_from_date_parsing": "must be a date and time",
    "uuid_parsing": "must be an id (a UUID)",
    "enum": "must be one of {expected}",
    "literal_error": "must be one of {expected}",
    "extra_forbidden": "is not a field this accepts",
    "string_type": "must be text",
}


def plain_message(err: Mapping[str, Any]) -> str:
    """A validation error's message as a person would say it: "must be 24 or less",
    "is required"; a check's own message without Pydantic's "Value error, " prefix."""
    kind = str(err.get("type", ""))
    message = str(err.get("msg", "invalid"))
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if kind == "string_too_short":
        short = err.get("ctx", {}).get("min_length") == 1
        return "must not be empty" if short else message
    template = PLAIN_MESSAGES.get(kind)
    if template is None:
        return message
    try:
        return template.format(**err.get("ctx", {}))
    except (KeyError, IndexError):
        return message


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        details.append(
            {"field": ".".join(loc), "message": plain_message(err), "type": err.get("type")}
        )
    return details


def error_response(exc: AtlasError) -> JSONResponse:
    """The JSON answer of an error; returned rather than raised where the request's
    transaction must still commit (a wrong sign-in code is counted)."""
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details),
        status_code=exc.status,
        headers=exc.headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AtlasError)
    async def atlas_error(_: Request, exc: AtlasError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            error_body("validation_error", "The request is not valid.", _validation_details(exc)),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(asyncpg.DataError)
    async def invalid_value(_: Request, exc: asyncpg.DataError) -> JSONResponse:
        """A value PostgreSQL cannot take (e.g. text with a NUL character): the client's."""
        log.warning("value refused by the database: %s", type(exc).__name__)
        return JSONResponse(
            error_body("invalid_value", "A value of the request cannot be stored or searched."),
            status_code=422,
        )

    async def database_down(request: Request, exc: Exception) -> JSONResponse:
        """Any sign that the database cannot serve: 503 `database_unavailable`."""
        log.error("database unavailable: %s", type(exc).__name__)
        return await atlas_error(request, database_unavailable())

    for error in DATABASE_UNAVAILABLE_ERRORS:
        app.add_exception_handler(error, database_down)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side."), status_code=500
        )
