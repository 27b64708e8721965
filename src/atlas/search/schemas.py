"""What the global search answers: per kind of record, the best matches."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field


class SearchKind(StrEnum):
    """The kinds of record the search finds, in the order its answer lists them."""

    projects = "projects"
    tasks = "tasks"
    customers = "customers"
    invoices = "invoices"
    employees = "employees"
    departments = "departments"


class SearchHit(BaseModel):
    kind: SearchKind
    id: uuid.UUID
    label: str = Field(description="What names the record: a name, a title, a number.")
    detail: str = Field(description="What tells it apart: a code, a key, an e-mail address.")


class SearchGroup(BaseModel):
    kind: SearchKind
    hits: list[SearchHit]
    more: bool = Field(description="More records of this kind match than `hits` holds.")


class SearchResults(BaseModel):
    q: str
    groups: list[SearchGroup] = Field(
        description="One group per kind searched that the caller may read, in a fixed order."
    )
