"""Two furnished workspaces, A and B, for the isolation tests of this package."""

from __future__ import annotations

import pytest

from tests.factories import Factory
from tests.security.helpers import World, new_world


@pytest.fixture
def world_a(factory: Factory) -> World:
    return new_world(factory)


@pytest.fixture
def world_b(factory: Factory) -> World:
    return new_world(factory)
