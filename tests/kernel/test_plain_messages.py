"""Validation errors read like a person wrote them, in the API and on the pages alike."""

from __future__ import annotations

from typing import Any

import pytest

from atlas.errors import plain_message
from tests.factories import Factory
from tests.projects.helpers import new_project


@pytest.mark.parametrize(
    ("err", "said"),
    [
        (
            {"type": "less_than_equal", "msg": "Input should be ...", "ctx": {"le": 24}},
            "must be 24 or less",
        ),
        (
            {"type": "greater_than", "msg": "Input should be ...", "ctx": {"gt": 0}},
            "must be more than 0",
        ),
        ({"type": "missing", "msg": "Field required"}, "is required"),
        ({"type": "string_too_short", "msg": "...", "ctx": {"min_length": 1}}, "must not be empty"),
        (
            {"type": "string_too_long", "msg": "...", "ctx": {"max_length": 200}},
            "must be at most 200 characters",
        ),
        (
            {"type": "value_error", "msg": "Value error, unknown time zone 'Mars'"},
            "unknown time zone 'Mars'",
        ),
        ({"type": "uuid_parsing", "msg": "..."}, "must be an id (a UUID)"),
        ({"type": "something_new", "msg": "Pydantic's own words"}, "Pydantic's own words"),
        (
            {"type": "less_than_equal", "msg": "kept when the context lacks its value", "ctx": {}},
            "kept when the context lacks its value",
        ),
    ],
)
def test_pydantic_errors_in_plain_words(err: dict[str, Any], said: str) -> None:
    assert plain_message(err) == said


def test_the_api_says_hours_must_be_24_or_less(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    resp = owner.post(
        "/api/v1/time-entries",
        ws=ws,
        json={"project_id": project["id"], "entry_date": "2026-03-02", "hours": "25"},
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["details"] == [
        {"field": "body.hours", "message": "must be 24 or less", "type": "less_than_equal"}
    ]
