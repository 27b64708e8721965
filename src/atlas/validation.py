"""Request-level checks shared by the module services: the strict request model, field
errors, filters, constraints, currency codes, pairs set together, and the range of dates the
business takes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import asyncpg
from babel.numbers import get_currency_precision, list_currencies
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from atlas.errors import AtlasError, Invalid

D = TypeVar("D", bound=date)
T = TypeVar("T")

# Every date the API takes or stores lies in this range. Python's date.max and date.min are
# far outside it: asyncpg sends them as 'infinity' and '-infinity', which PostgreSQL stores
# (the CHECK constraints of each date column, see `business_date_range`, refuse them too).
FIRST_BUSINESS_DATE = date(1900, 1, 1)
LAST_BUSINESS_DATE = date(2200, 12, 31)
DATE_RANGE_MESSAGE = f"must be between {FIRST_BUSINESS_DATE} and {LAST_BUSINESS_DATE}"

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")

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


class StrictModel(BaseModel):
    """A request body: a field the model does not name is refused (422), not ignored."""

    model_config = ConfigDict(extra="forbid")


class PatchModel(StrictModel):
    """A PATCH body none of whose fields may be sent as null; omitted fields stay as they are."""

    @field_validator("*", mode="after")
    @classmethod
    def _sent_not_null(cls, value: Any) -> Any:
        # Runs only for the fields the client sent.
        return not_null(value)


def not_null(value: T | None) -> T:
    """A PATCH field that may be omitted but not sent as null (runs only on sent values)."""
    if value is None:
        raise ValueError("may not be null")
    return value


def stripped_upper(value: object) -> object:
    """A text value without surrounding blanks, upper-cased (a code: "eur " is EUR)."""
    return value.strip().upper() if isinstance(value, str) else value


# The ISO 4217 codes (CLDR's, through Babel): current ones and those of the past.
ISO_CURRENCIES = frozenset(list_currencies())


# Every money column is NUMERIC(_, 2): a currency of more minor units cannot be stored.
STORED_DECIMALS = 2


def minor_units(currency: str) -> int:
    """The decimals of an amount in `currency` (ISO 4217, from CLDR): JPY 0, EUR 2, KWD 3."""
    return int(get_currency_precision(currency))


def is_stored_to_its_unit(currency: str) -> bool:
    """Whether the money columns hold an amount of `currency` to its minor unit."""
    return minor_units(currency) <= STORED_DECIMALS


def _decimals_named(currency: str) -> str:
    units = minor_units(currency)
    return "no decimals" if units == 0 else f"at most {units} decimals"


def _currency_code(value: str) -> str:
    if not CURRENCY_CODE.match(value):
        raise ValueError("use a three-letter ISO 4217 code (e.g. EUR)")
    if value not in ISO_CURRENCIES:
        raise ValueError(f"{value} is not an ISO 4217 currency (e.g. EUR, USD, JPY)")
    if not is_stored_to_its_unit(value):
        raise ValueError(
            f"{value} amounts have {minor_units(value)} decimals; "
            f"amounts are kept to {STORED_DECIMALS}, so {value} is not supported"
        )
    return value


def excess_decimals(amount: Decimal, currency: str) -> str | None:
    """Why an amount has more decimals than `currency` has ("JPY amounts have no decimals"),
    or None; 1500.00 JPY passes, as its decimals are zeros."""
    if amount == amount.quantize(Decimal(1).scaleb(-minor_units(currency))):
        return None
    return f"{currency} amounts have {_decimals_named(currency)}"


def refuse_excess_decimals(amount: Decimal, currency: str, field: str) -> None:
    """A 422 `currency_decimals` on `field` for an amount finer than its currency's unit."""
    detail = excess_decimals(amount, currency)
    if detail is not None:
        raise invalid(f"{field}: {detail}.", field, detail, code="currency_decimals")


# An ISO 4217 code, upper-cased on the way in ("eur" is EUR).
Currency = Annotated[str, BeforeValidator(stripped_upper), AfterValidator(_currency_code)]


def set_together_check(first: str, second: str) -> str:
    """The CHECK constraint of two columns that are set together or not at all."""
    return f"({first} IS NULL) = ({second} IS NULL)"


def not_set_together(message: str, first: str, second: str) -> Invalid:
    """The API error of a violated `set_together_check`, about the second field."""
    return invalid(message, second, f"set {first} and {second} together")


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
        known = violated(exc, errors)
        if known is None:
            raise
        raise errors[known]() from exc


# A violation raised on a Citus worker reaches the coordinator's client without the
# constraint's name field, with the name in the message, suffixed by the shard's id. A
# name that would pass 63 bytes with the suffix is cut, and a hash of the whole name goes
# before the suffix (Citus's AppendShardIdToName).
_NAMED_IN_MESSAGE = re.compile(r'constraint "([^"]+)"')
_SHARD_SUFFIX = re.compile(r"_\d+$")
_CUT_WITH_HASH = re.compile(r"^(.+)_[0-9a-f]{8}$")


def constraint_names(exc: asyncpg.PostgresError) -> list[str]:
    """The names the violated constraint may have: the error's own field, else the one
    the message quotes, then that name without a shard's suffix."""
    named = getattr(exc, "constraint_name", None)
    if named:
        return [named]
    found = _NAMED_IN_MESSAGE.search(str(exc))
    if found is None:
        return []
    name = found.group(1)
    return list(dict.fromkeys([name, _SHARD_SUFFIX.sub("", name)]))


def violated(exc: asyncpg.PostgresError, known: Iterable[str]) -> str | None:
    """Which of the `known` constraint names `exc` is about, if any: by name, else (a long
    name a Citus shard cut) the one known name that begins with what is left of it."""
    names = set(known)
    candidates = constraint_names(exc)
    for name in candidates:
        if name in names:
            return name
    cut = _CUT_WITH_HASH.match(candidates[-1]) if candidates else None
    if cut is None:
        return None
    begins = [name for name in names if name.startswith(cut.group(1))]
    return begins[0] if len(begins) == 1 else None


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
