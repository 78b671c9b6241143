"""A page per role, saved as a screenshot in test-artifacts/screenshots/ to look at."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import audit
from accounts.models import AuditAction
from accounts.roles import Role
from apikeys.models import Kind, create_key
from conftest import join, make_tenant, make_user
from core.acting import Actor
from usage import executions
from usage.flows import create_flow
from usage.models import Status

pytestmark = pytest.mark.browser

PAGES = {
    "members": ("/console/members", "Members"),
    "settings": ("/console/settings", "Settings"),
    "audit": ("/console/audit", "Audit log"),
    "keys": ("/console/api-keys", "API keys"),
    "usage": ("/console/usage", "Usage"),
}


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MEMBER])
def test_each_role_sees_its_console_pages(browsing: Any, screenshot: Any, role: str) -> None:
    tenant = make_tenant("Acme Rockets")
    owner = make_user("owner@acme.test", full_name="Olive Owner")
    join(owner, tenant, Role.OWNER)
    join(make_user("admin@acme.test"), tenant, Role.ADMIN)
    join(make_user("member@acme.test"), tenant, Role.MEMBER)
    audit.record(
        Actor(user=owner, label=owner.email, ip="203.0.113.7"),
        tenant,
        AuditAction.TENANT_UPDATED,
        name="Acme Rockets",
    )
    me = tenant.memberships.get(role=role).user
    create_key(tenant=tenant, kind=Kind.TEAM, name="CI deploy", scopes=["keys:read"])
    create_key(tenant=tenant, kind=Kind.USER, name="Laptop", user=me)
    flow = create_flow(tenant, "Nightly import")
    started = timezone.now() - timedelta(hours=1)
    for status in [Status.SUCCEEDED, Status.SUCCEEDED, Status.FAILED, None]:
        execution = executions.start(flow, None, started_at=started)
        if status:
            executions.change_status(execution, status, ended_at=started + timedelta(seconds=4))
    page = browsing.page(me)

    for name, (url, heading) in PAGES.items():
        response = page.goto(url)
        if name == "audit" and role == Role.MEMBER:
            assert response.status == 403
        else:
            assert response.status == 200
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        screenshot(page, f"{role}-{name}")
