"""A workspace's books, for the reports' tests."""

from __future__ import annotations

import pytest

from atlas.config import Settings
from tests.factories import Factory
from tests.ledger.helpers import Books, new_books


@pytest.fixture
def books(factory: Factory, database: Settings) -> Books:
    return new_books(factory, database)
