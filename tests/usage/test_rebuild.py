"""`manage.py rebuild_usage` and the rebuild on a time-zone change."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Tenant, User
from usage import executions
from usage.models import DailyUsage, Flow, Status

from .helpers import at, buckets

# 22:30 to 23:20 UTC on 10 June is already 11 June in Berlin (UTC+2 in summer).
LATE = at("2024-06-10T22:30:00+00:00")


def some_runs(flow: Flow) -> None:
    for minutes, status in [
        (0, Status.SUCCEEDED),
        (20, Status.FAILED),
        (40, None),
        (50, Status.CANCELLED),
    ]:
        started = LATE + timedelta(minutes=minutes)
        execution = executions.start(flow, started_at=started)
        if status:
            executions.change_status(
                execution, status, ended_at=started + timedelta(seconds=minutes + 1)
            )


def test_rebuild_reproduces_exactly_what_incremental_updates_produced(
    tenant: Tenant, other_tenant: Tenant, flow: Flow, other_flow: Flow
) -> None:
    some_runs(flow)
    some_runs(other_flow)
    incremental = buckets(tenant), buckets(other_tenant)
    DailyUsage.objects.update(succeeded=999)  # corrupt both tenants' rows
    out = StringIO()
    call_command("rebuild_usage", stdout=out)
    assert (buckets(tenant), buckets(other_tenant)) == incremental
    assert f"{tenant.slug}: 1 roll-up rows" in out.getvalue()


def test_rebuild_of_one_tenant_leaves_the_others_alone(
    tenant: Tenant, other_tenant: Tenant, flow: Flow, other_flow: Flow
) -> None:
    some_runs(flow)
    some_runs(other_flow)
    DailyUsage.objects.update(failed=999)
    call_command("rebuild_usage", tenant=tenant.slug, stdout=StringIO())
    assert {row[4] for row in buckets(tenant)} == {2}
    assert {row[4] for row in buckets(other_tenant)} == {999}


def test_rebuild_of_an_unknown_tenant_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="No tenant with slug nope"):
        call_command("rebuild_usage", tenant="nope")


def test_changing_the_time_zone_in_settings_moves_runs_to_their_new_local_day(
    tenant: Tenant, owner: User, flow: Flow, client_for
) -> None:
    some_runs(flow)
    assert {row[0] for row in buckets(tenant)} == {date(2024, 6, 10)}  # the tenant is on UTC
    response = client_for(owner).post(
        "/console/settings", {"name": tenant.name, "time_zone": "Europe/Berlin"}
    )
    assert response.status_code in (200, 302)
    tenant.refresh_from_db()
    assert tenant.time_zone == "Europe/Berlin"
    assert {row[0] for row in buckets(tenant)} == {date(2024, 6, 11)}
    total = DailyUsage.objects.for_tenant(tenant).get()
    assert (total.succeeded, total.failed, total.in_flight, total.ended) == (1, 2, 1, 3)
