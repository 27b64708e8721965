"""Request-level checks shared by the module services: field errors, filters, constraints,
and the range of dates the business takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, TypeVar

import asyncpg
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from atlas.errors import AtlasError, Invalid

D = TypeVar("D", bound=date)

# Every date the API takes or stores lies in this range. Python's date.max and date.min are
# far outside it: asyncpg sends them as 'infinity' and '-infinity', which PostgreSQL stores
# (the CHECK constraints of each date column, see `business_date_range`, refuse them too).
FIRST_BUSINESS_DATE = date(1900, 1, 1)
LAST_BUSINESS_DATE = date(2200, 12, 31)
DATE_RANGE_MESSAGE = f"must be between {FIRST_BUSINESS_DATE} and {LAST_BUSINESS_DATE}"

# Constraint name (see each module's tables.py) -> a factory of the API error it means.
ConstraintErrors = Mapping[str, Callable[[], AtlasError]]


def _within_business_range(value: D) -> D:
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_BUSINESS_DATE <= day <= LAST_BUSINESS_DATE:
        raise PydanticCustomError("date_out_of_range", DATE_RANGE_MESSAGE)
    return value


BusinessDate = Annotated[date, AfterValidator(_within_business_range)]
# A point in time whose (own time zone's) day is a business date: filters on timestamps.
BusinessDateTime = Annotated[datetime, AfterValidator(_within_business_range)]


def business_date_range(column: str) -> str:
    """The CHECK constraint of a date column (NULL passes, as in any CHECK)."""
    return f"{column} BETWEEN '{FIRST_BUSINESS_DATE}' AND '{LAST_BUSINESS_DATE}'"


def date_out_of_range(field: str, message: str) -> Invalid:
    """A date the service computed (e.g. a due date from payment terms) is out of range."""
    return invalid(message, field, DATE_RANGE_MESSAGE, code="date_out_of_range")


def invalid(message: str, field: str, detail: str, code: str = "validation_error") -> Invalid:
    """A 422 about one field."""
    return Invalid(message, code=code, details=[{"field": field, "message": detail}])


@contextmanager
def constraint_errors(errors: ConstraintErrors) -> Iterator[None]:
    """Raises the API error of a violated constraint; the request transaction rolls back.

    Violations of constraints not in `errors` propagate unchanged.
    """
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        error = errors.get(getattr(exc, "constraint_name", None) or "")
        if error is None:
            raise
        raise error() from exc


def choices(values: Sequence[str], allowed: Sequence[str], field: str) -> list[str]:
    """Values of a repeatable, comma-separated filter, each one of `allowed`."""
    chosen = [part.strip() for value in values for part in value.split(",") if part.strip()]
    unknown = [value for value in chosen if value not in allowed]
    if unknown:
        raise Invalid(
            f"Unknown {field} '{unknown[0]}'. Use one of: {', '.join(allowed)}.",
            details=[{"field": field, "message": f"unknown value '{value}'"} for value in unknown],
        )
    return list(dict.fromkeys(chosen))


def search_text(q: str | None) -> str | None:
    """A search term without surrounding blanks; None when nothing is left."""
    return (q or "").strip() or None
