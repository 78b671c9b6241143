"""Property: whatever runs are started, changed and ended — across local midnights, time
zones and DST changes — the incremental roll-ups equal a recomputation from the raw
executions, and the cards are the same either way."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Tenant
from accounts.signals import tenant_time_zone_changed
from apikeys.models import Kind, create_key
from conftest import make_tenant
from usage import executions, rollups, stats
from usage.flows import create_flow
from usage.models import COUNTS_AS_FAILED, ENDED, Execution, Status

from .helpers import buckets, recomputed

# Europe/Berlin changes to summer time at 01:00 UTC on 31 March 2024 and back at 01:00 UTC
# on 27 October 2024; New York on 10 March / 3 November; Lord Howe by half an hour.
DST_CHANGES = [
    datetime.fromisoformat("2024-03-31T01:00:00+00:00"),
    datetime.fromisoformat("2024-10-27T01:00:00+00:00"),
    datetime.fromisoformat("2024-03-10T07:00:00+00:00"),
    datetime.fromisoformat("2024-10-06T15:00:00+00:00"),
]
ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe", "Asia/Kolkata"]
MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Start:
    flow: int
    key: int  # 0: no key
    offset_ms: int  # from the DST change


@dataclass(frozen=True)
class Change:
    execution: int
    target: str
    after_ms: int | None  # reported end, after the start; None: now


@dataclass(frozen=True)
class Rezone:
    time_zone: str


starts = st.builds(
    Start,
    flow=st.integers(0, 1),
    key=st.integers(0, 2),
    offset_ms=st.integers(-40 * 3600_000, 40 * 3600_000),
)
changes = st.builds(
    Change,
    execution=st.integers(0, 30),
    target=st.sampled_from(Status.values),
    after_ms=st.one_of(st.none(), st.integers(0, 30 * 3600_000)),
)
steps = st.lists(
    st.one_of(starts, starts, changes, changes, changes, st.builds(Rezone, st.sampled_from(ZONES))),
    max_size=40,
)


def truth(tenant: Tenant, window: tuple[date, date]) -> list[stats.DayRow]:
    """Day rows computed in Python, straight from the executions."""
    tz = ZoneInfo(tenant.time_zone)
    days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in Execution.objects.for_tenant(tenant):
        d = days[e.started_at.astimezone(tz).date()]
        if e.status in ENDED:
            assert e.ended_at is not None
            d["ended"] += 1
            d["duration_ms"] += (e.ended_at - e.started_at) // MS
            d["failed" if e.status in COUNTS_AS_FAILED else "succeeded"] += 1
        else:
            d["in_flight"] += 1
    return [stats.DayRow(day, **counts) for day, counts in days.items()]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    change=st.sampled_from(DST_CHANGES),
    script=steps,
)
def test_roll_ups_always_equal_a_recomputation(
    db: None, zone: str, change: datetime, script: list[Start | Change | Rezone]
) -> None:
    tenant = make_tenant("Property", time_zone=zone)
    flows = [create_flow(tenant, "A"), create_flow(tenant, "B")]
    keys = [None, *(create_key(tenant=tenant, kind=Kind.TEAM, name=n)[0] for n in "xy")]
    runs: list[Execution] = []
    for step in script:
        if isinstance(step, Start):
            started = change + step.offset_ms * MS
            runs.append(executions.start(flows[step.flow], keys[step.key], started_at=started))
        elif isinstance(step, Change) and runs:
            execution = runs[step.execution % len(runs)]
            ended_at = None
            if step.after_ms is not None and step.target in ENDED:
                ended_at = execution.started_at + step.after_ms * MS
            # An illegal change raises, and must have changed nothing.
            with contextlib.suppress(ValidationError):
                executions.change_status(execution, step.target, ended_at=ended_at)
        elif isinstance(step, Rezone):
            tenant.time_zone = step.time_zone
            tenant.save()
            tenant_time_zone_changed.send(sender=Tenant, tenant=tenant)

    assert buckets(tenant) == recomputed(tenant)

    now = change + timedelta(days=3)
    window = rollups.read(tenant, days=8, now=now)
    expected = stats.fill_window(
        truth(tenant, (window.start, window.end)), window.end, 8, tenant.time_zone
    )
    assert window.days == expected.days
    assert stats.cards(window.days) == stats.cards(expected.days)
    total = sum(d.total for d in window.days)
    assert total == Execution.objects.for_tenant(tenant).count()  # every run is in the window
