"""A report's CSV: one header row, rows as wide as it, amounts as plain decimals, and no
text cell a spreadsheet would run as a formula."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from atlas.reporting import Table, csv_text


def test_cells_are_written_plain() -> None:
    account = uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")
    table = Table(
        "trial-balance",
        date(2026, 3, 31),
        ["day", "account", "name", "amount", "note"],
        [
            [date(2026, 3, 1), account, "Bank", Decimal("-1234.50"), None],
            ["", None, "=SUM(A1:A9)", Decimal("0E-2"), "@me"],
            ["Total", None, "-x", Decimal("1E+3")],
        ],
    )
    assert csv_text(table).split("\r\n") == [
        "day,account,name,amount,note",
        f"2026-03-01,{account},Bank,-1234.50,",
        ",,'=SUM(A1:A9),0.00,'@me",
        "Total,,'-x,1000,",
        "",
    ]
