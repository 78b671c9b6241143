"""The counting rules of PRODUCT.md §5, end to end: executions → roll-ups → cards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accounts.models import Tenant
from usage import executions, rollups, stats
from usage.models import Flow, Status

from .helpers import at

NOW = at("2024-06-15T12:00:00+00:00")


def run(flow: Flow, status: str | None, minutes_ago: int = 60, seconds: int = 10) -> None:
    """Start a run `minutes_ago` before NOW and, for an ended status, end it after `seconds`."""
    started = NOW - timedelta(minutes=minutes_ago)
    execution = executions.start(flow, started_at=started)
    if status == Status.COMPENSATING or status == Status.PAUSED:
        executions.change_status(execution, status)
    elif status is not None:
        executions.change_status(execution, status, ended_at=started + timedelta(seconds=seconds))


def cards(tenant: Tenant) -> stats.Cards:
    return stats.cards(rollups.read(tenant, days=30, now=NOW).days)


def test_in_flight_runs_count_toward_the_total_only(tenant: Tenant, flow: Flow) -> None:
    run(flow, Status.SUCCEEDED, seconds=4)
    run(flow, None)  # running
    run(flow, Status.PAUSED)
    run(flow, Status.COMPENSATING)
    result = cards(tenant)
    assert result.executions == 4
    assert result.in_flight == 3
    assert result.success_rate == 1.0
    assert result.avg_duration_ms == 4000


def test_cancelled_runs_count_as_failed(tenant: Tenant, flow: Flow) -> None:
    run(flow, Status.SUCCEEDED)
    run(flow, Status.CANCELLED)
    result = cards(tenant)
    assert (result.succeeded, result.failed) == (1, 1)
    assert result.success_rate == 0.5


def test_runs_ended_while_compensating_count_as_failed(tenant: Tenant, flow: Flow) -> None:
    execution = executions.start(flow, started_at=NOW - timedelta(hours=1))
    executions.change_status(execution, Status.COMPENSATING)
    # The runner reports the compensation finished cleanly: the run still failed.
    executions.change_status(execution, Status.SUCCEEDED, ended_at=NOW - timedelta(minutes=59))
    execution.refresh_from_db()
    assert execution.status == Status.FAILED
    assert execution.ended_while_compensating
    result = cards(tenant)
    assert (result.succeeded, result.failed, result.in_flight) == (0, 1, 0)
    assert result.success_rate == 0.0


@pytest.mark.parametrize(
    ("reported", "stored"),
    [
        pytest.param(Status.SUCCEEDED, Status.FAILED, id="succeeded-is-stored-failed"),
        pytest.param(Status.FAILED, Status.FAILED, id="failed-stays-failed"),
        pytest.param(Status.CANCELLED, Status.CANCELLED, id="cancelled-stays-cancelled"),
    ],
)
def test_ending_while_compensating_is_stored_as_documented(
    tenant: Tenant, flow: Flow, reported: str, stored: str
) -> None:
    execution = executions.start(flow, started_at=NOW - timedelta(hours=1))
    executions.change_status(execution, Status.COMPENSATING)
    executions.change_status(execution, reported, ended_at=NOW - timedelta(minutes=59))
    execution.refresh_from_db()
    assert (execution.status, execution.ended_while_compensating) == (stored, True)
    assert cards(tenant).failed == 1


def test_failed_runs_count_as_failed(tenant: Tenant, flow: Flow) -> None:
    run(flow, Status.FAILED)
    run(flow, Status.SUCCEEDED)
    run(flow, Status.SUCCEEDED)
    run(flow, Status.SUCCEEDED)
    assert cards(tenant).success_rate == 0.75


def test_avg_duration_ignores_in_flight_runs(tenant: Tenant, flow: Flow) -> None:
    run(flow, Status.SUCCEEDED, minutes_ago=600, seconds=2)
    run(flow, Status.FAILED, minutes_ago=600, seconds=6)
    run(flow, None, minutes_ago=600)  # running for ten hours: must not drag the mean up
    assert cards(tenant).avg_duration_ms == 4000


def test_success_rate_and_avg_duration_are_undefined_without_ended_runs(
    tenant: Tenant, flow: Flow
) -> None:
    run(flow, None)
    result = cards(tenant)
    assert result.executions == 1
    assert result.success_rate is None and result.avg_duration_ms is None
    assert result.success_rate_display == "—" and result.avg_duration_display == "—"


def test_empty_days_appear_as_zero(tenant: Tenant, flow: Flow) -> None:
    run(flow, Status.SUCCEEDED, minutes_ago=60 * 24 * 3)
    window = rollups.read(tenant, days=30, now=NOW)
    assert len(window.days) == 30
    assert [d.total for d in window.days].count(0) == 29
    assert window.days[-4].total == 1 and window.days[-4].day == date(2024, 6, 12)


def test_window_is_30_days_in_the_tenant_time_zone_today_included(
    tenant: Tenant, flow: Flow
) -> None:
    tenant.time_zone = "Pacific/Auckland"  # UTC+12 in June: already 16 June there
    tenant.save()
    window = rollups.read(tenant, days=30, now=NOW)
    assert window.end == date(2024, 6, 16)
    assert window.start == date(2024, 5, 18)
    assert [d.day for d in window.days] == [
        date(2024, 5, 18) + timedelta(days=i) for i in range(30)
    ]


def test_runs_are_bucketed_by_the_local_day_they_started(tenant: Tenant, flow: Flow) -> None:
    tenant.time_zone = "America/New_York"
    tenant.save()
    # 02:00 UTC on 15 June is 22:00 on 14 June in New York; it ends on the 15th.
    execution = executions.start(flow, started_at=at("2024-06-15T02:00:00+00:00"))
    executions.change_status(execution, Status.SUCCEEDED, ended_at=at("2024-06-15T05:00:00+00:00"))
    by_day = {d.day: d for d in rollups.read(tenant, days=3, now=NOW).days}
    assert by_day[date(2024, 6, 14)].succeeded == 1
    assert by_day[date(2024, 6, 15)].total == 0


def test_runs_outside_the_window_are_not_counted(tenant: Tenant, flow: Flow) -> None:
    run(flow, Status.SUCCEEDED, minutes_ago=60 * 24 * 30)  # 31 days ago, counting today
    run(flow, Status.SUCCEEDED)
    assert cards(tenant).executions == 1


def test_usage_filters_by_flow_and_key(tenant: Tenant, flow: Flow, owner: object) -> None:
    from apikeys.models import Kind, create_key
    from usage.flows import create_flow

    key, _raw = create_key(tenant=tenant, kind=Kind.TEAM, name="ci")
    other = create_flow(tenant, "Nightly export")
    executions.start(flow, key=key, started_at=NOW - timedelta(hours=1))
    executions.start(flow, started_at=NOW - timedelta(hours=1))
    executions.start(other, started_at=NOW - timedelta(hours=1))
    total = lambda **kw: stats.cards(rollups.read(tenant, now=NOW, **kw).days).executions  # noqa: E731
    assert total() == 3
    assert total(flow=flow) == 2
    assert total(key=key) == 1
    assert total(flow=other, key=key) == 0
