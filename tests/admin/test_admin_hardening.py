"""The admin keeps secrets out of lookups, offers no Save/Delete on read-only pages, and
its changelists cost the same however large the table."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import audit
from accounts.models import AuditAction, Invitation
from accounts.roles import Role
from core.acting import Actor
from tests.api.conftest import mint
from usage import executions
from usage.models import Execution, Flow


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/admin/apikeys/apikey/?digest__startswith=a", id="key-digest"),
        pytest.param("/admin/apikeys/apikey/?previous_digest__startswith=a", id="old-digest"),
        pytest.param("/admin/apikeys/apikey/?digest__gt=8", id="key-digest-range"),
        pytest.param("/admin/accounts/invitation/?token_digest__startswith=a", id="token-digest"),
        pytest.param("/admin/accounts/tenant/?apikey__digest__startswith=a", id="through-tenant"),
    ],
)
def test_digests_cannot_be_used_in_lookups(admin_client: Any, tenant: Any, owner: Any, url: str):
    mint(tenant, owner, name="secretive")
    Invitation.create(tenant, "x@acme.test", Role.MEMBER, invited_by=owner)
    response = admin_client.get(url)
    # 400: DisallowedModelAdminLookup; a lookup Django cannot even resolve is sent back
    # to the unfiltered list with ?e=1. Never a filtered list.
    refused = response.status_code == 400
    assert refused or (response.status_code == 302 and response["Location"].endswith("?e=1"))


def _buttons(html: str) -> set[str]:
    names = set(re.findall(r'<input type="submit" value="([^"]+)"', html))
    return names | ({"Delete"} if "deletelink" in html else set())


def test_read_only_pages_offer_neither_save_nor_delete(admin_client: Any, tenant: Any, owner: Any):
    key, _ = mint(tenant, owner, name="viewed")
    invitation, _ = Invitation.create(tenant, "y@acme.test", Role.MEMBER, invited_by=owner)
    event = audit.record(Actor.system(), tenant, AuditAction.TENANT_UPDATED)
    flow = Flow.objects.create(tenant=tenant, name="Build", slug="build")
    run = executions.start(flow)
    pages = [
        f"/admin/apikeys/apikey/{key.pk}/change/",
        f"/admin/accounts/invitation/{invitation.pk}/change/",
        f"/admin/accounts/auditevent/{event.pk}/change/",
        f"/admin/usage/execution/{run.pk}/change/",
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        assert _buttons(response.content.decode()) == set(), page
        assert admin_client.post(page, {}).status_code == 403, page


def test_the_revoke_action_still_works_from_the_list(admin_client: Any, tenant: Any, owner: Any):
    key, _ = mint(tenant, owner, name="to revoke")
    response = admin_client.post(
        "/admin/apikeys/apikey/", {"action": "revoke_selected", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def _changelist_queries(admin_client: Any, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert admin_client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_executions_list_does_not_grow_with_the_table(admin_client: Any, tenant: Any):
    flow = Flow.objects.create(tenant=tenant, name="Build", slug="build")
    started = timezone.now() - timedelta(days=1)
    Execution.objects.bulk_create(
        Execution(tenant=tenant, flow=flow, status="running", started_at=started)
        for _ in range(300)
    )
    queries = _changelist_queries(admin_client, "/admin/usage/execution/")
    counts = [q for q in queries if "COUNT(" in q.upper() and "usage_execution" in q]
    assert counts, queries
    assert all("LIMIT" in q.upper() for q in counts), counts  # the capped count only
    assert not [q for q in queries if "DISTINCT" in q.upper() and "started_at" in q]  # no dates


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/auditevent/",
        "/admin/accounts/user/",
        "/admin/accounts/tenant/",
        "/admin/apikeys/apikey/",
        "/admin/usage/dailyusage/",
    ],
)
def test_every_changelist_counts_with_a_cap(admin_client: Any, tenant: Any, url: str):
    queries = _changelist_queries(admin_client, url)
    counts = [q for q in queries if "COUNT(" in q.upper() and "django_session" not in q]
    assert all("LIMIT" in q.upper() for q in counts), counts


def test_an_organisation_name_with_a_newline_is_refused_in_the_admin(
    admin_client: Any, tenant: Any
):
    response = admin_client.post(
        f"/admin/accounts/tenant/{tenant.pk}/change/",
        {"name": "Acme\nBcc: x@y", "slug": tenant.slug, "time_zone": "UTC", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "Use printable characters only" in response.content.decode()
