"""Executions: `start()` and `change_status()` are their only writers (API, demo, tests
and benchmark all call them), and each keeps the day's roll-up exact in the same
transaction (`usage.rollups.bump`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apikeys.models import ApiKey
from usage import quota, rollups, transitions
from usage.models import COUNTS_AS_FAILED, ENDED, Execution, Flow, Status

# How far a runner's clock may run ahead of ours when it reports a start or end time.
CLOCK_TOLERANCE = timedelta(minutes=2)


def _not_in_future(moment: datetime, field: str, now: datetime) -> None:
    if moment > now + CLOCK_TOLERANCE:
        raise ValidationError({field: "This time is in the future."})


def start(flow: Flow, key: ApiKey | None = None, started_at: datetime | None = None) -> Execution:
    """A new running execution of `flow`, started by `key` (if any), counted in flight."""
    now = timezone.now()
    started_at = started_at or now
    _not_in_future(started_at, "started_at", now)
    if key is not None and key.tenant_id != flow.tenant_id:
        raise ValidationError({"key": "The key belongs to another organisation."})
    with transaction.atomic():
        execution = Execution.objects.create(
            tenant_id=flow.tenant_id, flow=flow, key=key, started_at=started_at
        )
        rollups.bump(execution, rollups.local_day(flow.tenant, started_at), in_flight=1)
    return execution


def invoke(flow: Flow, key: ApiKey | None) -> Execution:
    """Start a run now, counted against the tenant's monthly allowance in the same
    transaction (QuotaExceeded at the allowance, and nothing is created)."""
    with transaction.atomic():
        quota.charge(flow.tenant)
        return start(flow, key=key)


def change_status(execution: Execution, target: str, ended_at: datetime | None = None) -> Execution:
    """Move `execution` to `target` if the change is allowed; ending it moves it from in
    flight to succeeded or failed on the day it started and adds its duration there.

    A run that ends while compensating is marked `ended_while_compensating` and stored as
    failed, unless it was cancelled (then it stays cancelled); both count as failed.
    Raises TransitionRefused naming both states for a change its status does not allow,
    ValidationError for a bad end time.
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
            fields["duration_ms"] = rollups.duration_ms(current.started_at, ended_at)
            if current.status == Status.COMPENSATING:
                fields["status"] = Status.CANCELLED if target == Status.CANCELLED else Status.FAILED
                fields["ended_while_compensating"] = True
        elif ended_at is not None:
            raise ValidationError({"ended_at": "Only a run that ends has an end time."})
        updated = Execution.objects.filter(pk=current.pk, status=current.status).update(**fields)
        if not updated:
            raise transitions.TransitionRefused("The execution changed meanwhile; try again.")
        for name, value in fields.items():
            setattr(current, name, value)
        if ending:
            failed = current.status in COUNTS_AS_FAILED
            rollups.bump(
                current,
                rollups.local_day(current.tenant, current.started_at),
                in_flight=-1,
                ended=1,
                succeeded=0 if failed else 1,
                failed=1 if failed else 0,
                duration_ms=current.duration_ms or 0,
            )
    for name, value in fields.items():
        setattr(execution, name, value)
    return execution
