"""Request-level checks shared by the module services: field errors, filters, constraints."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import asyncpg

from atlas.errors import AtlasError, Invalid

# Constraint name (see each module's tables.py) -> a factory of the API error it means.
ConstraintErrors = Mapping[str, Callable[[], AtlasError]]


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
