"""Usage fixtures: flows in the shared tenant and in the outsider's."""

from __future__ import annotations

import pytest

from accounts.models import Tenant

# The API fixtures (keys for the shared users, the outsider's key), shared with tests/api.
from tests.api.conftest import member_key, outsider_key, owner_key, team_key  # noqa: F401
from usage.flows import create_flow
from usage.models import Flow


@pytest.fixture
def flow(tenant: Tenant) -> Flow:
    return create_flow(tenant, "Invoice sync", description="Pulls invoices")


@pytest.fixture
def other_flow(other_tenant: Tenant) -> Flow:
    return create_flow(other_tenant, "Globex export")
