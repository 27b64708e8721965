"""Fixtures of the page tests: browsers (HTTP clients holding cookies) for actors."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.factories import Actor
from tests.web.helpers import Browser

BrowserFor = Callable[[Actor | None], Browser]


@pytest.fixture
def browser_for(server: str) -> Iterator[BrowserFor]:
    """`browser_for(actor)` (or `None`, anonymous); all closed after the test."""
    made: list[Browser] = []

    def make(actor: Actor | None) -> Browser:
        made.append(Browser(server, actor))
        return made[-1]

    yield make
    for browser in made:
        browser.close()
