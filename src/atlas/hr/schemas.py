"""Request and response bodies of departments, employees, leave types and leave requests."""

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
    EmailStr,
    Field,
    StringConstraints,
)

from atlas.validation import BusinessDate, Currency, StrictModel, not_null, stripped_upper

EmploymentType = Literal["full_time", "part_time", "contractor", "intern"]
EmployeeStatus = Literal["onboarding", "active", "on_leave", "terminated"]
LeaveStatus = Literal["pending", "approved", "rejected", "cancelled"]

DEPARTMENT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")


def _department_code(value: str) -> str:
    if not DEPARTMENT_CODE.match(value):
        raise ValueError("use 1 to 20 letters, digits, '-' or '_', starting with a letter or digit")
    return value


DepartmentCode = Annotated[str, BeforeValidator(stripped_upper), AfterValidator(_department_code)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
JobTitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Reason = Annotated[str, Field(max_length=2_000)]
# Money: exact decimals, sent and returned as JSON strings ("1234.50"); numbers are accepted.
Salary = Annotated[Decimal, Field(max_digits=14, decimal_places=2, ge=0)]
AllowanceDays = Annotated[Decimal, Field(max_digits=5, decimal_places=1, ge=0)]


# Departments


class DepartmentCreate(StrictModel):
    code: DepartmentCode = Field(description="1 to 20 characters, upper-cased; unique.")
    name: Name = Field(description="Unique in the workspace.")
    parent_department_id: uuid.UUID | None = Field(
        default=None, description="Another department of the workspace."
    )
    manager_employee_id: uuid.UUID | None = Field(
        default=None, description="An employee of the workspace."
    )


class DepartmentUpdate(StrictModel):
    """Only the fields sent change; null clears the parent and the manager."""

    code: Annotated[DepartmentCode | None, AfterValidator(not_null)] = None
    name: Annotated[Name | None, AfterValidator(not_null)] = None
    parent_department_id: uuid.UUID | None = None
    manager_employee_id: uuid.UUID | None = None


class Department(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    parent_department_id: uuid.UUID | None
    manager_employee_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


# Employees


class EmployeeCreate(StrictModel):
    first_name: PersonName
    last_name: PersonName
    work_email: EmailStr = Field(description="Unique in the workspace, ignoring letter case.")
    user_id: uuid.UUID | None = Field(
        default=None, description="A member of the workspace; one employee per member."
    )
    department_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = Field(default=None, description="Another employee.")
    job_title: JobTitle = ""
    employment_type: EmploymentType = "full_time"
    start_date: BusinessDate | None = None
    end_date: BusinessDate | None = Field(default=None, description="On or after start_date.")
    status: EmployeeStatus = "onboarding"
    salary: Salary | None = Field(default=None, description="Needs the hr:salary permission.")
    salary_currency: Currency | None = Field(
        default=None, description="ISO 4217; sent together with salary."
    )


class EmployeeUpdate(StrictModel):
    """Only the fields sent change; null clears the optional fields."""

    first_name: Annotated[PersonName | None, AfterValidator(not_null)] = None
    last_name: Annotated[PersonName | None, AfterValidator(not_null)] = None
    work_email: Annotated[EmailStr | None, AfterValidator(not_null)] = None
    user_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    job_title: Annotated[JobTitle | None, AfterValidator(not_null)] = None
    employment_type: Annotated[EmploymentType | None, AfterValidator(not_null)] = None
    start_date: BusinessDate | None = None
    end_date: BusinessDate | None = None
    status: Annotated[EmployeeStatus | None, AfterValidator(not_null)] = None
    salary: Salary | None = None
    salary_currency: Currency | None = None


SALARY_FIELDS = frozenset({"salary", "salary_currency"})


class Employee(BaseModel):
    """An employee as seen without the hr:salary permission: no salary fields at all."""

    id: uuid.UUID
    number: str = Field(description="Assigned on creation, gapless: EMP-0001, EMP-0002, ...")
    first_name: str
    last_name: str
    work_email: str
    user_id: uuid.UUID | None
    department_id: uuid.UUID | None
    manager_id: uuid.UUID | None
    job_title: str
    employment_type: EmploymentType
    start_date: date | None
    end_date: date | None
    status: EmployeeStatus
    created_at: datetime
    updated_at: datetime


class EmployeeWithSalary(Employee):
    """An employee as seen with the hr:salary permission."""

    salary: Decimal | None
    salary_currency: str | None


# Leave types


class LeaveTypeCreate(StrictModel):
    name: Name = Field(description="Unique in the workspace.")
    yearly_allowance_days: AllowanceDays


class LeaveTypeUpdate(StrictModel):
    name: Annotated[Name | None, AfterValidator(not_null)] = None
    yearly_allowance_days: Annotated[AllowanceDays | None, AfterValidator(not_null)] = None


class LeaveType(BaseModel):
    id: uuid.UUID
    name: str
    yearly_allowance_days: Decimal
    created_at: datetime
    updated_at: datetime


# Leave requests


class LeaveRequestCreate(StrictModel):
    employee_id: uuid.UUID | None = Field(
        default=None,
        description="Whose leave; without leave:manage only one's own (the default).",
    )
    leave_type_id: uuid.UUID
    start_date: BusinessDate
    end_date: BusinessDate
    start_half_day: bool = Field(default=False, description="Leave starts at midday.")
    end_half_day: bool = Field(default=False, description="Leave ends at midday.")
    reason: Reason = ""


class LeaveDecision(StrictModel):
    note: Reason = Field(default="", description="Why (shown to the requester); optional.")


class LeaveRequest(BaseModel):
    id: uuid.UUID
    employee_id: uuid.UUID
    leave_type_id: uuid.UUID
    start_date: date
    end_date: date
    start_half_day: bool
    end_half_day: bool
    days: Decimal = Field(description="Weekdays in the range, less half days.")
    status: LeaveStatus
    reason: str
    decision_note: str = Field(description="What the decider told the requester, if anything.")
    requested_by_user_id: uuid.UUID | None = Field(
        description="Who filed it; null for requests filed before this was recorded."
    )
    decided_by_user_id: uuid.UUID | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime


class LeaveBalanceLine(BaseModel):
    leave_type_id: uuid.UUID
    leave_type_name: str
    allowance_days: Decimal
    taken_days: Decimal = Field(description="Approved days of requests starting in the year.")
    pending_days: Decimal
    remaining_days: Decimal = Field(description="Allowance less taken days.")


class LeaveBalance(BaseModel):
    employee_id: uuid.UUID
    year: int
    leave_types: list[LeaveBalanceLine]


# List filters


@dataclass(frozen=True)
class DepartmentFilters:
    parent_department_id: uuid.UUID | None = None
    q: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class EmployeeFilters:
    department_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    statuses: list[str] = field(default_factory=list)
    q: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class LeaveTypeFilters:
    q: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class LeaveRequestFilters:
    employee_id: uuid.UUID | None = None
    leave_type_id: uuid.UUID | None = None
    statuses: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    sort: str | None = None
