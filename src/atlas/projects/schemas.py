"""Request and response bodies of projects and tasks, and the filters of their lists."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
)

from atlas.validation import BusinessDate, Currency, StrictModel, not_null, stripped_upper

ProjectStatus = Literal["planned", "active", "on_hold", "completed", "cancelled"]
TaskStatus = Literal["todo", "in_progress", "blocked", "done", "cancelled"]
TaskPriority = Literal["low", "medium", "high", "urgent"]

PROJECT_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")


def _project_code(value: str) -> str:
    if not PROJECT_CODE.match(value):
        raise ValueError("use 2 to 10 letters and digits, starting with a letter (e.g. WEB)")
    return value


ProjectCode = Annotated[str, BeforeValidator(stripped_upper), AfterValidator(_project_code)]
ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TaskTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Description = Annotated[str, Field(max_length=20_000)]
# Money: exact decimals, sent and returned as JSON strings ("1234.50"); numbers are accepted.
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2, ge=0)]
Hours = Annotated[Decimal, Field(max_digits=6, decimal_places=2, ge=0, le=Decimal("9999.99"))]


class ProjectCreate(StrictModel):
    code: ProjectCode = Field(description="2 to 10 letters and digits, upper-cased; unique.")
    name: ProjectName
    description: Description = ""
    status: ProjectStatus = "planned"
    start_date: BusinessDate | None = None
    end_date: BusinessDate | None = Field(default=None, description="On or after start_date.")
    budget: Money | None = None
    currency: Currency | None = Field(
        default=None, description="ISO 4217; the workspace's base currency if omitted."
    )


class ProjectUpdate(StrictModel):
    """Only the fields sent change; null clears start_date, end_date and budget."""

    code: Annotated[ProjectCode | None, AfterValidator(not_null)] = None
    name: Annotated[ProjectName | None, AfterValidator(not_null)] = None
    description: Annotated[Description | None, AfterValidator(not_null)] = None
    status: Annotated[ProjectStatus | None, AfterValidator(not_null)] = None
    start_date: BusinessDate | None = None
    end_date: BusinessDate | None = None
    budget: Money | None = None
    currency: Annotated[Currency | None, AfterValidator(not_null)] = None


class Project(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    description: str
    status: ProjectStatus
    start_date: date | None
    end_date: date | None
    budget: Decimal | None
    currency: str
    task_counts: dict[str, int] = Field(description="Tasks of the project by status.")
    created_at: datetime
    updated_at: datetime


class TaskCreate(StrictModel):
    title: TaskTitle
    description: Description = ""
    status: TaskStatus = "todo"
    priority: TaskPriority = "medium"
    assignee_user_id: uuid.UUID | None = Field(
        default=None, description="A member of the workspace."
    )
    due_date: BusinessDate | None = None
    estimate_hours: Hours | None = None
    depends_on_task_id: uuid.UUID | None = Field(
        default=None, description="Another task of the same project."
    )


class TaskUpdate(StrictModel):
    """Only the fields sent change; null clears assignee, due date, estimate and dependency."""

    title: Annotated[TaskTitle | None, AfterValidator(not_null)] = None
    description: Annotated[Description | None, AfterValidator(not_null)] = None
    status: Annotated[TaskStatus | None, AfterValidator(not_null)] = None
    priority: Annotated[TaskPriority | None, AfterValidator(not_null)] = None
    assignee_user_id: uuid.UUID | None = None
    due_date: BusinessDate | None = None
    estimate_hours: Hours | None = None
    depends_on_task_id: uuid.UUID | None = None


class Task(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project_code: str
    number: int
    key: str = Field(description="The project's code and the task's number, e.g. WEB-12.")
    title: str
    description: str
    status: TaskStatus
    priority: TaskPriority
    assignee_user_id: uuid.UUID | None
    due_date: date | None
    estimate_hours: Decimal | None
    depends_on_task_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ProjectFilters:
    """List filters as sent; the service checks and normalises them."""

    statuses: list[str] = field(default_factory=list)
    q: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class TaskFilters:
    """List filters as sent; `assignee` is a user id, "me" or "none"."""

    project_id: uuid.UUID | None = None
    statuses: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    assignee: str | None = None
    q: str | None = None
    due_before: date | None = None
    sort: str | None = None
