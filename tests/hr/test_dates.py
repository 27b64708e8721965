"""Dates of employees and leave requests stay within the business range."""

from __future__ import annotations

from tests.dates import DateField, range_cases
from tests.hr.helpers import snapshot

API = "/api/v1"


def _employee(**fields: str) -> dict[str, str]:
    return {
        "first_name": "Grace",
        "last_name": "Hopper",
        "work_email": "g@corp.example.com",
        **fields,
    }


ROWS = [
    *(
        DateField(
            f"POST /employees {name}",
            lambda t, d, name=name: t.owner.post(
                f"{API}/employees",
                ws=t.ws,
                json=_employee(work_email=f"{name}-{d}@corp.example.com", **{name: d}),
            ),
            f"body.{name}",
            name,
        )
        for name in ("start_date", "end_date")
    ),
    *(
        DateField(
            f"PATCH /employees/{{id}} {name}",
            lambda t, d, name=name: t.owner.patch(
                f"{API}/employees/{t.employee['id']}", ws=t.ws, json={name: d}
            ),
            f"body.{name}",
            name,
        )
        for name in ("start_date", "end_date")
    ),
    *(
        DateField(
            f"POST /leave-requests {name}",
            lambda t, d, name=name: t.owner.post(
                f"{API}/leave-requests",
                ws=t.ws,
                json={
                    "employee_id": t.employee["id"],
                    "leave_type_id": t.leave_type["id"],
                    "start_date": d,
                    "end_date": d,
                },
            ),
            f"body.{name}",
            name,
        )
        for name in ("start_date", "end_date")
    ),
    *(
        DateField(
            f"GET /leave-requests?{param}=",
            lambda t, d, param=param: t.owner.get(
                f"{API}/leave-requests", ws=t.ws, params={param: d}
            ),
            f"query.{param}",
        )
        for param in ("from", "to")
    ),
]


(
    test_the_edges_of_the_business_range_are_accepted,
    test_dates_outside_the_business_range_are_refused,
) = range_cases(ROWS, snapshot)
