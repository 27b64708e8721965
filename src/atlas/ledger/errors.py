"""The books' refusals: the SQLSTATEs of the ledger's triggers (class `AL`, migration
0011) and the API error each one means."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import asyncpg

from atlas.errors import AtlasError, Conflict, Invalid

PERIOD_LOCKED = "AL001"

LEDGER_ERRORS: dict[str, Callable[[str], AtlasError]] = {
    "AL000": lambda m: Conflict(f"The workspace has no books: {m}.", code="no_books"),
    PERIOD_LOCKED: lambda m: Conflict(f"The period is closed: {m}.", code="period_locked"),
    "AL002": lambda m: Invalid(f"An entry needs two lines or more: {m}.", code="entry_too_short"),
    "AL003": lambda m: Invalid(f"The entry does not balance: {m}.", code="entry_unbalanced"),
    "AL004": lambda m: Invalid(
        f"Every line takes the entry's date and currency: {m}.", code="entry_lines_differ"
    ),
    "AL005": lambda m: Conflict(f"Posted entries do not change: {m}.", code="entry_posted"),
    "AL006": lambda m: Invalid(f"Group accounts take no postings: {m}.", code="account_is_group"),
    "AL007": lambda m: Invalid(
        f"Inactive accounts take no postings: {m}.", code="account_inactive"
    ),
    "AL008": lambda m: Invalid(
        f"The account is kept in another currency: {m}.", code="account_currency"
    ),
    "AL009": lambda m: Conflict(f"Posted entries do not change: {m}.", code="entry_posted"),
    "AL010": lambda m: Conflict(
        f"The lock date only moves forward: {m}.", code="lock_date_backwards"
    ),
    "AL011": lambda m: Invalid(f"That parent does not fit: {m}.", code="invalid_parent"),
    "AL012": lambda m: Conflict(
        f"A system account stays an active ledger account: {m}.", code="system_account"
    ),
    "AL013": lambda m: Conflict(f"The account has postings: {m}.", code="account_has_postings"),
    "AL014": lambda m: Conflict(
        f"The account has accounts under it: {m}.", code="account_has_children"
    ),
}


def ledger_error(exc: asyncpg.PostgresError) -> AtlasError | None:
    """The API error of a refusal by the books' triggers, or None for any other error."""
    factory = LEDGER_ERRORS.get(getattr(exc, "sqlstate", "") or "")
    if factory is None:
        return None
    return factory(str(getattr(exc, "message", None) or exc))


@contextmanager
def books_errors() -> Iterator[None]:
    """Raises the API error of a refusal by the books; other errors propagate unchanged."""
    try:
        yield
    except asyncpg.PostgresError as exc:
        error = ledger_error(exc)
        if error is None:
            raise
        raise error from exc
