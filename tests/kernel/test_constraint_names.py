"""A violated constraint is known by its name on plain PostgreSQL and on Citus alike.

A Citus worker's violation reaches the client without asyncpg's `constraint_name` and
with the shard's id appended to the name in the message; the errors built here have the
shapes both servers send (the suite run on a cluster meets the real ones).
"""

from __future__ import annotations

import asyncpg
import pytest

from atlas.errors import Conflict
from atlas.validation import constraint_errors, constraint_names, violated


def _error(cls: type[asyncpg.PostgresError], message: str, **fields: str) -> asyncpg.PostgresError:
    exc = cls(message)
    for name, value in fields.items():
        setattr(exc, name, value)
    return exc


def test_the_error_field_names_the_constraint_on_plain_postgresql() -> None:
    exc = _error(
        asyncpg.UniqueViolationError,
        'duplicate key value violates unique constraint "uq_projects_workspace_id_key"',
        constraint_name="uq_projects_workspace_id_key",
    )
    assert constraint_names(exc) == ["uq_projects_workspace_id_key"]


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (
            asyncpg.UniqueViolationError,
            'duplicate key value violates unique constraint "uq_projects_workspace_id_key_102041"',
        ),
        (
            asyncpg.ForeignKeyViolationError,
            'insert or update on table "tasks_102049" violates foreign key constraint '
            '"uq_projects_workspace_id_key_102049"',
        ),
    ],
)
def test_a_workers_message_names_the_shard_and_the_constraint(
    cls: type[asyncpg.PostgresError], message: str
) -> None:
    names = constraint_names(_error(cls, message))
    assert names[-1] == "uq_projects_workspace_id_key"
    taken = {"uq_projects_workspace_id_key": lambda: Conflict("taken")}
    with pytest.raises(Conflict) as raised, constraint_errors(taken):
        raise _error(cls, message)
    assert raised.value.message == "taken"


def test_a_name_that_ends_in_digits_of_its_own_is_tried_as_it_is_first() -> None:
    exc = _error(asyncpg.CheckViolationError, 'violates check constraint "ck_rates_vat_2024"')
    assert constraint_names(exc) == ["ck_rates_vat_2024", "ck_rates_vat"]


def test_an_unknown_constraint_propagates_unchanged() -> None:
    exc = _error(asyncpg.UniqueViolationError, 'unique constraint "uq_other_7"')
    taken = {"uq_projects_workspace_id_key": lambda: Conflict("taken")}
    with pytest.raises(asyncpg.UniqueViolationError), constraint_errors(taken):
        raise exc
    assert constraint_names(_error(asyncpg.UniqueViolationError, "no name at all")) == []


def test_a_long_name_that_a_shard_cut_is_found_by_what_is_left_of_it() -> None:
    # fk_departments_workspace_id_parent_department_id_departments on shard 102187: Citus
    # keeps 46 characters, then a hash of the whole name, then the shard's id.
    exc = _error(
        asyncpg.ForeignKeyViolationError,
        'insert or update on table "departments_102187" violates foreign key constraint '
        '"fk_departments_workspace_id_parent_department_i_f41f25e0_102187"',
    )
    known = [
        "fk_departments_workspace_id_parent_department_id_departments",
        "fk_departments_workspace_id_manager_employee_id_employees",
    ]
    assert violated(exc, known) == known[0]
    # Two known names with what is left as their beginning: neither is guessed.
    assert violated(exc, [*known, "fk_departments_workspace_id_parent_department_id_other"]) is None
