"""The business day: every default date (issue, payment, reversal, report, week) is
today in UTC, so the same request means the same day on every server."""

from __future__ import annotations

from datetime import UTC, date, datetime


def business_day() -> date:
    """Today in UTC."""
    return datetime.now(UTC).date()
