"""Demo flows and 30 days of executions for `manage.py demo`.

Acme runs a couple of thousand executions a day (fewer at weekends) with a failure spike
eight days ago and a few runs still in flight or paused today; Globex a handful a day.
Executions are generated with a Random seeded by tenant, flow and day, written with
`bulk_create`, and the roll-ups rebuilt once per tenant. Idempotent: a tenant that already
has executions in the window gets none added.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant, User
from apikeys.models import ApiKey
from usage import rollups, stats
from usage.models import Execution, Flow, Status

SPIKE_DAYS_AGO = 8


@dataclass(frozen=True)
class DemoFlow:
    tenant: str
    name: str
    slug: str
    description: str
    per_day: int  # on a weekday
    fail_rate: float
    seconds: tuple[float, float]  # typical duration range
    key: str | None = None  # name of the demo key that starts its runs, if it exists
    key_share: float = 1.0


DEMO_FLOWS = [
    DemoFlow(
        "acme",
        "Webhook relay",
        "webhook-relay",
        "Forwards incoming webhooks to the ERP.",
        1500,
        0.02,
        (0.2, 3.0),
        key="CI deploy",
    ),
    DemoFlow(
        "acme",
        "Invoice sync",
        "invoice-sync",
        "Pulls new invoices from the accounting system every five minutes.",
        288,
        0.04,
        (5.0, 90.0),
        key="Local development",
        key_share=0.1,
    ),
    DemoFlow(
        "acme",
        "Nightly export",
        "nightly-export",
        "Exports the day's orders to the data warehouse.",
        3,
        0.05,
        (240.0, 900.0),
    ),
    DemoFlow(
        "globex",
        "Order import",
        "order-import",
        "Imports orders from the web shop.",
        6,
        0.1,
        (2.0, 40.0),
        key="Production worker",
    ),
    DemoFlow(
        "globex",
        "Weekly report",
        "weekly-report",
        "Mails the weekly sales report.",
        1,
        0.0,
        (30.0, 120.0),
        key="Production worker",
    ),
]


def _day_bounds(tenant: Tenant, day: date) -> tuple[datetime, datetime]:
    """The UTC instants where the local `day` starts and ends (23 or 25 hours on DST days)."""
    tz = tenant.tzinfo
    start = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    after = day + timedelta(days=1)
    end = datetime(after.year, after.month, after.day, tzinfo=tz).astimezone(UTC)
    return start, end


def _runs(
    spec: DemoFlow, flow: Flow, key: ApiKey | None, day: date, today: date, now: datetime
) -> list[Execution]:
    # Seeded by tenant, flow and day: the same demo data on every machine.
    rng = random.Random(f"{spec.tenant}:{spec.slug}:{day.isoformat()}")  # noqa: S311
    start, end = _day_bounds(flow.tenant, day)
    end = min(end, now)
    weekend = day.weekday() >= 5
    expected = spec.per_day * (0.6 if weekend else 1.0) * (end - start) / timedelta(days=1)
    count = max(0, round(rng.gauss(expected, expected**0.5 * 1.5)))
    fail_rate = spec.fail_rate
    if (today - day).days == SPIKE_DAYS_AGO and spec.per_day > 100:
        fail_rate = 0.3  # the ERP was down for most of the day
    low, high = spec.seconds
    runs = []
    span = (end - start).total_seconds()
    for _ in range(count):
        started = start + timedelta(seconds=rng.random() * span)
        seconds = low * (high / low) ** rng.random()
        ended = started + timedelta(seconds=seconds)
        run = Execution(
            tenant=flow.tenant,
            flow=flow,
            key=key if key is not None and rng.random() < spec.key_share else None,
            started_at=started,
        )
        recent = now - started < timedelta(minutes=20)
        if ended > now or (recent and rng.random() < 0.3):
            run.status = rng.choices(
                [Status.RUNNING, Status.PAUSED, Status.COMPENSATING], [6, 3, 1]
            )[0]
        else:
            roll = rng.random()
            if roll < fail_rate:
                run.status = Status.CANCELLED if rng.random() < 0.1 else Status.FAILED
                run.ended_while_compensating = rng.random() < 0.1
            else:
                run.status = Status.SUCCEEDED
            run.ended_at = ended
            run.duration_ms = rollups.duration_ms(started, ended)
        runs.append(run)
    return runs


def _fill(tenant: Tenant, specs: list[DemoFlow], now: datetime) -> int:
    today = stats.today_in(tenant.time_zone, now)
    first, _ = stats.window_bounds(today, stats.DEFAULT_DAYS)
    if (
        Execution.objects.for_tenant(tenant)
        .filter(started_at__gte=_day_bounds(tenant, first)[0])
        .exists()
    ):
        return 0
    made = 0
    for spec in specs:
        flow, _ = Flow.objects.get_or_create(
            tenant=tenant,
            slug=spec.slug,
            defaults={"name": spec.name, "description": spec.description},
        )
        key = None
        if spec.key:
            key = ApiKey.objects.for_tenant(tenant).live().filter(name=spec.key).first()
        runs: list[Execution] = []
        for offset in range(stats.DEFAULT_DAYS):
            runs += _runs(spec, flow, key, first + timedelta(days=offset), today, now)
        Execution.objects.bulk_create(runs, batch_size=2000)
        made += len(runs)
    rollups.rebuild(tenant)
    return made


def load(tenants: dict[str, Tenant], users: dict[str, User], stdout: TextIO | Any) -> None:
    began = time.monotonic()
    now = timezone.now()
    counts = []
    with transaction.atomic():
        for slug, tenant in tenants.items():
            made = _fill(tenant, [s for s in DEMO_FLOWS if s.tenant == slug], now)
            counts.append(f"{made} new in {tenant.name}")
    stdout.write(
        f"Usage: flows and 30 days of executions ({', '.join(counts)}; "
        f"{time.monotonic() - began:.1f} s)."
    )
