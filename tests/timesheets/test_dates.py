"""Dates of time entries stay within the business range."""

from __future__ import annotations

from tests.dates import DateField, range_cases
from tests.timesheets.helpers import snapshot

API = "/api/v1"

ROWS = [
    DateField(
        "POST /time-entries entry_date",
        lambda t, d: t.owner.post(
            f"{API}/time-entries",
            ws=t.ws,
            json={"project_id": t.project["id"], "entry_date": d, "hours": "1"},
        ),
        "body.entry_date",
        "entry_date",
    ),
    DateField(
        "PATCH /time-entries/{id} entry_date",
        lambda t, d: t.owner.patch(
            f"{API}/time-entries/{t.entry['id']}", ws=t.ws, json={"entry_date": d}
        ),
        "body.entry_date",
        "entry_date",
    ),
    DateField(
        "GET /time-entries?from=",
        lambda t, d: t.owner.get(f"{API}/time-entries", ws=t.ws, params={"from": d}),
        "query.from",
    ),
    DateField(
        "GET /time-entries?to=",
        lambda t, d: t.owner.get(f"{API}/time-entries", ws=t.ws, params={"to": d}),
        "query.to",
    ),
]

(
    test_the_edges_of_the_business_range_are_accepted,
    test_dates_outside_the_business_range_are_refused,
) = range_cases(ROWS, snapshot)
