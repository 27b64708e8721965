"""Request and response bodies of the books: accounts, the chart as a tree, the books'
settings and their lock date.

An account's `system_role` is read only: the roles postings look accounts up by are the
default chart's (`atlas.ledger.chart`), and a body that names one is refused (422).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from atlas.ledger.tables import ACCOUNT_CODE_PATTERN, AccountType, SystemRole
from atlas.validation import BusinessDate, Currency, StrictModel, not_null

ACCOUNT_CODE = re.compile(ACCOUNT_CODE_PATTERN)


def _account_code(value: str) -> str:
    if not ACCOUNT_CODE.match(value):
        raise ValueError("use letters, digits, '.', '-' or '_', starting with a letter or digit")
    return value


AccountCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
    AfterValidator(_account_code),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=2_000)]


# Accounts


class AccountCreate(StrictModel):
    code: AccountCode = Field(description="1 to 20 characters; unique in the workspace.")
    name: Name
    type: AccountType
    parent_id: uuid.UUID | None = Field(
        default=None, description="A group account of the same type in the workspace."
    )
    is_group: bool = Field(default=False, description="Groups hold accounts, not postings.")
    currency: Currency | None = Field(
        default=None, description="ISO 4217: the only currency posted to it; any if null."
    )
    description: Description = ""


class AccountUpdate(StrictModel):
    """Only the fields sent change; null clears the parent and the currency."""

    code: Annotated[AccountCode | None, AfterValidator(not_null)] = None
    name: Annotated[Name | None, AfterValidator(not_null)] = None
    description: Annotated[Description | None, AfterValidator(not_null)] = None
    type: Annotated[AccountType | None, AfterValidator(not_null)] = None
    parent_id: uuid.UUID | None = None
    is_group: Annotated[bool | None, AfterValidator(not_null)] = None
    is_active: Annotated[bool | None, AfterValidator(not_null)] = None
    currency: Currency | None = None


class Account(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    type: AccountType
    parent_id: uuid.UUID | None
    is_group: bool
    currency: str | None
    is_active: bool
    system_role: SystemRole | None = Field(
        description="The role postings find the account by; set by the default chart only."
    )
    description: str
    created_at: datetime
    updated_at: datetime


class AccountNode(Account):
    """An account with the accounts under it, in code order."""

    children: list[AccountNode]


@dataclass(frozen=True)
class AccountFilters:
    types: list[str] = field(default_factory=list)
    active: bool | None = None
    is_group: bool | None = None
    parent_id: uuid.UUID | None = None
    q: str | None = None
    sort: str | None = None


# The books


class Books(BaseModel):
    lock_date: date | None = Field(
        description="Nothing posts on or before this date; null while the books are open."
    )
    fiscal_year_start_month: int = Field(description="The workspace's: 1 is January.")
    base_currency: str = Field(description="The workspace's.")


class LockDateUpdate(StrictModel):
    lock_date: BusinessDate = Field(
        description="Later than the current lock date and before today (UTC)."
    )
