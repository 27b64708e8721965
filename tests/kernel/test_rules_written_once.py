"""Derived rules live in one place: a copy elsewhere in the source fails here.

The rules themselves are proved in tests/finance/test_rules.py, tests/kernel/test_client_ip.py
and tests/web/test_invoice_rules.py; this walks the source for second copies.
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "atlas"


def files_matching(pattern: str, glob: str = "*.py") -> set[str]:
    found = re.compile(pattern, re.IGNORECASE | re.DOTALL)
    return {
        str(path.relative_to(SRC))
        for path in SRC.rglob(glob)
        if "migrations" not in path.parts and found.search(path.read_text())
    }


def test_overdue_is_written_in_finance_only() -> None:
    # Either form compares an invoice's due date (tasks have due dates of their own).
    found = files_matching(r"invoices.*due_date\s*<")
    assert found == {"finance/repository.py", "finance/service.py"}


def test_the_employee_of_a_user_is_looked_up_in_hr_only() -> None:
    assert files_matching(r"FROM employees\s+WHERE[^\"]*user_id = ") == {"hr/repository.py"}
    # Nor by picking it out of a list of employees.
    assert files_matching(r"\.user_id == page\.ws\.user_id") == set()


def test_finance_templates_ask_the_allowed_actions_not_the_status() -> None:
    assert files_matching(r"status\s*(==|!=)", "finance/*.html") == set()


def test_the_client_address_is_read_in_one_place() -> None:
    assert files_matching(r"request\.client\b") == {"proxies.py"}


def test_the_strict_request_model_is_declared_once() -> None:
    assert files_matching(r"class StrictModel\b") == {"validation.py"}


def test_a_currency_code_is_checked_in_one_place() -> None:
    assert files_matching(r"\[A-Z\]\{3\}") == {"validation.py"}
    assert files_matching(r"ISO 4217 code \(e\.g\. EUR\)\"\)") == {"validation.py"}


def test_two_fields_set_together_are_one_rule() -> None:
    assert files_matching(r"\(\{?\w+\}? IS NULL\) = \(\{?\w+\}? IS NULL\)") == {"validation.py"}
    assert files_matching(r"set \S+ and \S+ together") == {"validation.py"}


def test_every_list_pages_through_fetch_page() -> None:
    # One statement for a page and its total; no module keeps its own.
    assert files_matching(r"\bOFFSET \$") <= {"db/query.py"}
    assert files_matching(r"def _page\b") == set()


def test_the_shared_list_parameters_are_declared_once() -> None:
    assert files_matching(r"Case-insensitive text to look for") == {"pagination.py"}
    assert files_matching(r"Sort keys, comma-separated") == {"pagination.py"}
    assert files_matching(r"Repeat the parameter or separate values with commas") == {
        "pagination.py"
    }
    # The API's list endpoints take `q`, `sort` and `status` as pagination's types.
    inline = r"(?m)\b(q|sort|statuses): Annotated\[|^(Search|Sort|Statuses) = Annotated"
    assert {f for f in files_matching(inline) if not f.startswith("web/")} == {"pagination.py"}


def test_who_may_decide_or_cancel_leave_is_written_in_the_hr_service_only() -> None:
    # The pages ask `allowed_leave_actions`; the endpoints' and dashboard's mentions are
    # words in a docstring and a different question (whose requests to list).
    assert files_matching(r"can\(\s*\"leave:approve\"\)") == {
        "hr/service.py",
        "dashboard/service.py",
    }
    assert files_matching(r"requested_by_user_id\s*(==|!=|in\b)") == set()
    assert files_matching(r"status\W*\s(not\s+)?in\s+\(\"pending\", \"approved\"\)") == {
        "hr/service.py"
    }
    assert files_matching(r"may_(decide|cancel)\s*\(") == set()
    assert files_matching(r"allowed_leave_actions\(") == {"hr/service.py", "web/pages/hr.py"}
