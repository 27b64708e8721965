"""Dates of projects and tasks stay within the business range."""

from __future__ import annotations

from tests.dates import DateField, range_cases
from tests.projects.helpers import random_code, snapshot

API = "/api/v1"

ROWS = [
    *(
        DateField(
            f"POST /projects {name}",
            lambda t, d, name=name: t.owner.post(
                f"{API}/projects",
                ws=t.ws,
                json={"code": random_code(), "name": "Dated", name: d},
            ),
            f"body.{name}",
            name,
        )
        for name in ("start_date", "end_date")
    ),
    *(
        DateField(
            f"PATCH /projects/{{id}} {name}",
            lambda t, d, name=name: t.owner.patch(
                f"{API}/projects/{t.project['id']}", ws=t.ws, json={name: d}
            ),
            f"body.{name}",
            name,
        )
        for name in ("start_date", "end_date")
    ),
    DateField(
        "POST /projects/{id}/tasks due_date",
        lambda t, d: t.owner.post(
            f"{API}/projects/{t.project['id']}/tasks",
            ws=t.ws,
            json={"title": "Dated", "due_date": d},
        ),
        "body.due_date",
        "due_date",
    ),
    DateField(
        "PATCH /tasks/{id} due_date",
        lambda t, d: t.owner.patch(f"{API}/tasks/{t.task['id']}", ws=t.ws, json={"due_date": d}),
        "body.due_date",
        "due_date",
    ),
    DateField(
        "GET /tasks?due_before=",
        lambda t, d: t.owner.get(f"{API}/tasks", ws=t.ws, params={"due_before": d}),
        "query.due_before",
    ),
    DateField(
        "GET /projects/{id}/tasks?due_before=",
        lambda t, d: t.owner.get(
            f"{API}/projects/{t.project['id']}/tasks", ws=t.ws, params={"due_before": d}
        ),
        "query.due_before",
    ),
]


(
    test_the_edges_of_the_business_range_are_accepted,
    test_dates_outside_the_business_range_are_refused,
) = range_cases(ROWS, snapshot)
