"""Staff see flows, executions and roll-ups in the Django admin; executions are read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import make_user
from usage import executions
from usage.models import Flow


@pytest.fixture
def staff(db: None) -> Client:
    client = Client()
    client.force_login(make_user("ops@keyward.test", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["flow", "execution", "dailyusage"])
def test_changelists_render_with_data(staff: Client, flow: Flow, model: str) -> None:
    executions.start(flow)
    response = staff.get(f"/admin/usage/{model}/")
    assert response.status_code == 200
    assert "Invoice sync" in response.content.decode()


def test_executions_cannot_be_edited_or_added_in_the_admin(staff: Client, flow: Flow) -> None:
    execution = executions.start(flow)
    assert staff.get("/admin/usage/execution/add/").status_code == 403
    page = staff.get(f"/admin/usage/execution/{execution.pk}/change/").content.decode()
    assert 'name="status"' not in page
