"""Execution changes and the per-day roll-ups they keep exact, in the same transaction.

`start()` and `change_status()` are the only writers of executions (API, demo, tests and
benchmark all call them); each bumps its `DailyUsage` bucket with one atomic upsert
(`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`), so concurrent runs on the same
day, flow and key never lose a count. `rebuild()` recomputes a tenant's roll-ups from the
executions; `read()` is the one aggregate query the page and the API make.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Tenant
from apikeys.models import ApiKey
from usage import stats, transitions
from usage.models import COUNTS_AS_FAILED, ENDED, IN_FLIGHT, DailyUsage, Execution, Flow, Status

# How far a runner's clock may run ahead of ours when it reports a start or end time.
CLOCK_TOLERANCE = timedelta(minutes=2)
COUNTERS = ("succeeded", "failed", "in_flight", "ended", "duration_ms")


def local_day(tenant: Tenant, moment: datetime) -> date:
    """The calendar day of `moment` in the tenant's time zone: a run's roll-up bucket."""
    return moment.astimezone(tenant.tzinfo).date()


def duration_ms(started_at: datetime, ended_at: datetime) -> int:
    return (ended_at - started_at) // timedelta(milliseconds=1)


def _bump(execution: Execution, day: date, **deltas: int) -> None:
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


def _not_in_future(moment: datetime, field: str, now: datetime) -> None:
    if moment > now + CLOCK_TOLERANCE:
        raise ValidationError({field: "This time is in the future."})


def start(flow: Flow, key: ApiKey | None = None, started_at: datetime | None = None) -> Execution:
    """A new running execution of `flow`, started by `key` (if any), counted in flight."""
    now = timezone.now()
    started_at = started_at or now
    _not_in_future(started_at, "started_at", now)
    if key is not None and key.tenant_id != flow.tenant_id:
        raise ValidationError({"key": "The key belongs to another tenant."})
    with transaction.atomic():
        execution = Execution.objects.create(
            tenant_id=flow.tenant_id, flow=flow, key=key, started_at=started_at
        )
        _bump(execution, local_day(flow.tenant, started_at), in_flight=1)
    return execution


def change_status(execution: Execution, target: str, ended_at: datetime | None = None) -> Execution:
    """Move `execution` to `target` if the change is allowed; ending it moves it from in
    flight to succeeded or failed on the day it started and adds its duration there.

    A run that ends while compensating is stored as failed (`ended_while_compensating`).
    Raises ValidationError naming both states for an illegal change.
    """
    now = timezone.now()
    with transaction.atomic():
        # The row lock (PostgreSQL) and the conditional UPDATE (any database) make two
        # concurrent changes of one execution count once. Only the execution's row: locking
        # the joined tenant row too would queue every change of the tenant behind it and
        # deadlock with the foreign-key checks of concurrent inserts.
        current = (
            Execution.objects.select_for_update(of=("self",))
            .select_related("tenant")
            .get(pk=execution.pk)
        )
        transitions.check(current.status, target)
        fields: dict[str, object] = {"status": target}
        ending = target in ENDED
        if ending:
            ended_at = ended_at or now
            if ended_at < current.started_at:
                raise ValidationError({"ended_at": "A run cannot end before it started."})
            _not_in_future(ended_at, "ended_at", now)
            fields["ended_at"] = ended_at
            fields["duration_ms"] = duration_ms(current.started_at, ended_at)
            if current.status == Status.COMPENSATING:
                fields["status"] = Status.CANCELLED if target == Status.CANCELLED else Status.FAILED
                fields["ended_while_compensating"] = True
        elif ended_at is not None:
            raise ValidationError({"ended_at": "Only a run that ends has an end time."})
        updated = Execution.objects.filter(pk=current.pk, status=current.status).update(**fields)
        if not updated:
            raise ValidationError({"status": "The execution changed meanwhile; try again."})
        for name, value in fields.items():
            setattr(current, name, value)
        if ending:
            failed = current.status in COUNTS_AS_FAILED
            _bump(
                current,
                local_day(current.tenant, current.started_at),
                in_flight=-1,
                ended=1,
                succeeded=0 if failed else 1,
                failed=1 if failed else 0,
                duration_ms=current.duration_ms or 0,
            )
    for name, value in fields.items():
        setattr(execution, name, value)
    return execution


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
) -> stats.Window:
    """The usage window ending today in the tenant's time zone: one query over roll-ups."""
    today = stats.today_in(tenant.time_zone, now or timezone.now())
    start_day, end_day = stats.window_bounds(today, days)
    buckets = DailyUsage.objects.for_tenant(tenant).filter(day__range=(start_day, end_day))
    if flow is not None:
        buckets = buckets.filter(flow=flow)
    if key is not None:
        buckets = buckets.filter(key_ref=key.pk)
    sums = buckets.values("day").annotate(**{f"sum_{n}": Sum(n) for n in COUNTERS}).order_by()
    rows = [stats.DayRow(row["day"], **{n: int(row[f"sum_{n}"]) for n in COUNTERS}) for row in sums]
    return stats.fill_window(rows, today, days, tenant.time_zone)
