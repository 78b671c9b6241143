"""Staff change an organisation's time zone in the Django admin: the same service as the
console re-buckets its usage and writes the audit log."""

from __future__ import annotations

from datetime import timedelta

from accounts.models import AuditAction, AuditEvent, Tenant
from usage import executions
from usage.models import Flow, Status

from .helpers import at, buckets, recomputed

# 22:30 UTC on 10 June is already 11 June in Berlin.
LATE = at("2024-06-10T22:30:00+00:00")


def test_a_time_zone_saved_in_the_admin_rebuckets_usage_and_is_audited(
    admin_client, admin_user, tenant: Tenant, flow: Flow
) -> None:
    for minutes in (0, 20):
        run = executions.start(flow, started_at=LATE + timedelta(minutes=minutes))
        executions.change_status(run, Status.SUCCEEDED, LATE + timedelta(minutes=minutes + 5))
    assert {str(row[0]) for row in buckets(tenant)} == {"2024-06-10"}

    url = f"/admin/accounts/tenant/{tenant.pk}/change/"
    assert admin_client.get(url).status_code == 200
    data = {
        "name": tenant.name,
        "slug": tenant.slug,
        "time_zone": "Europe/Berlin",
        "is_active": "on",
        "rate_limit": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    tenant.refresh_from_db()
    assert tenant.time_zone == "Europe/Berlin"
    assert buckets(tenant) == recomputed(tenant)
    assert {str(row[0]) for row in buckets(tenant)} == {"2024-06-11"}
    event = AuditEvent.objects.get(tenant=tenant, action=AuditAction.TENANT_UPDATED)
    assert event.details == {"time_zone": "Europe/Berlin"}
    assert event.actor_label == f"staff: {admin_user.email}"
