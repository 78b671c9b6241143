"""The per-day roll-ups: bumped in the transaction of each execution change, rebuilt, read.

`bump()` adds to a `DailyUsage` bucket with one atomic upsert (`INSERT … ON CONFLICT DO
UPDATE SET n = n + excluded.n`), so concurrent runs on the same day, flow and key never lose
a count; `usage.executions` calls it. `rebuild()` recomputes a tenant's roll-ups from the
executions; `read()` is the one aggregate query the page and the API make.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Tenant
from apikeys.models import ApiKey
from usage import stats
from usage.models import COUNTS_AS_FAILED, ENDED, IN_FLIGHT, DailyUsage, Execution, Flow, Status

COUNTERS = ("succeeded", "failed", "in_flight", "ended", "duration_ms")


def local_day(tenant: Tenant, moment: datetime) -> date:
    """The calendar day of `moment` in the tenant's time zone: a run's roll-up bucket."""
    return moment.astimezone(tenant.tzinfo).date()


def duration_ms(started_at: datetime, ended_at: datetime) -> int:
    return (ended_at - started_at) // timedelta(milliseconds=1)


def bump(execution: Execution, day: date, **deltas: int) -> None:
    """Add `deltas` to the execution's bucket, creating it if needed, in one statement."""
    table = connection.ops.quote_name(DailyUsage._meta.db_table)
    values = [deltas.get(name, 0) for name in COUNTERS]
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in COUNTERS)
    sql = (
        f"INSERT INTO {table} (tenant_id, day, flow_id, key_ref, {', '.join(COUNTERS)}) "  # noqa: S608
        f"VALUES (%s, %s, %s, %s, {', '.join(['%s'] * len(COUNTERS))}) "
        f"ON CONFLICT (tenant_id, day, flow_id, key_ref) DO UPDATE SET {updates}"
    )
    params = [
        execution.tenant_id,
        connection.ops.adapt_datefield_value(day),
        execution.flow_id,
        execution.key_id or 0,
        *values,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def recompute(tenant: Tenant) -> list[DailyUsage]:
    """The roll-up rows the tenant's executions add up to (unsaved)."""
    rows = (
        Execution.objects.for_tenant(tenant)
        .annotate(day=TruncDate("started_at", tzinfo=tenant.tzinfo))
        .values("day", "flow_id", "key_id")
        .annotate(
            succeeded=Count("id", filter=Q(status=Status.SUCCEEDED)),
            failed=Count("id", filter=Q(status__in=COUNTS_AS_FAILED)),
            in_flight=Count("id", filter=Q(status__in=IN_FLIGHT)),
            ended=Count("id", filter=Q(status__in=ENDED)),
            duration=Coalesce(Sum("duration_ms", filter=Q(status__in=ENDED)), 0),
        )
        .order_by()
    )
    return [
        DailyUsage(
            tenant=tenant,
            day=row["day"],
            flow_id=row["flow_id"],
            key_ref=row["key_id"] or 0,
            succeeded=row["succeeded"],
            failed=row["failed"],
            in_flight=row["in_flight"],
            ended=row["ended"],
            duration_ms=int(row["duration"]),
        )
        for row in rows
    ]


def rebuild(tenant: Tenant) -> int:
    """Replace the tenant's roll-ups with a recomputation from its executions (one
    transaction: readers see the old rows or the new ones). Returns the number of rows."""
    with transaction.atomic():
        # Lock the tenant row: two rebuilds of one tenant do not interleave, and new
        # executions (whose foreign-key check needs a share lock on it) wait until the
        # rebuilt rows are committed.
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
        DailyUsage.objects.for_tenant(tenant).delete()
        rows = DailyUsage.objects.bulk_create(recompute(tenant), batch_size=1000)
    return len(rows)


def read(
    tenant: Tenant,
    days: int = stats.DEFAULT_DAYS,
    flow: Flow | None = None,
    key: ApiKey | None = None,
    now: datetime | None = None,
    flows: Collection[str] | None = None,
) -> stats.Window:
    """The usage window ending today in the tenant's time zone: one query over roll-ups."""
    today = stats.today_in(tenant.time_zone, now or timezone.now())
    start_day, end_day = stats.window_bounds(today, days)
    buckets = DailyUsage.objects.for_tenant(tenant).filter(day__range=(start_day, end_day))
    if flow is not None:
        buckets = buckets.filter(flow=flow)
    if flows is not None:  # a flow-restricted key: the usage of its flows only
        buckets = buckets.filter(flow__public_id__in=flows)
    if key is not None:
        buckets = buckets.filter(key_ref=key.pk)
    sums = buckets.values("day").annotate(**{f"sum_{n}": Sum(n) for n in COUNTERS}).order_by()
    rows = [stats.DayRow(row["day"], **{n: int(row[f"sum_{n}"]) for n in COUNTERS}) for row in sums]
    return stats.fill_window(rows, today, days, tenant.time_zone)
