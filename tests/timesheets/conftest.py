"""Two workspaces, A and B, each with the time-tracking data of `helpers.new_tenant`."""

from __future__ import annotations

import pytest

from tests.factories import Factory
from tests.timesheets.helpers import Tenant, new_tenant


@pytest.fixture
def tenant_a(factory: Factory) -> Tenant:
    return new_tenant(factory)


@pytest.fixture
def tenant_b(factory: Factory) -> Tenant:
    return new_tenant(factory)
