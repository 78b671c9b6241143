"""Flows, their executions, and the per-day roll-ups the usage page and API read.

Counting rules live in the constants below: a run is *in flight* while
running, paused or compensating; it *succeeded* or *failed* once it ended, where failed
includes cancelled runs and runs that ended while compensating (marked
`ended_while_compensating`, stored as `failed`, or `cancelled` if they were cancelled).
Roll-ups bucket a run by the local day it started, in the tenant's time zone, and sum
durations in whole milliseconds so that sums stay exact.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from accounts.models import Tenant
from apikeys.models import ApiKey
from core.tenancy import TenantQuerySet


class Status(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPENSATING = "compensating", "Compensating"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


IN_FLIGHT = frozenset({Status.RUNNING, Status.PAUSED, Status.COMPENSATING})
ENDED = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED})
# An ended run that did not succeed. Runs that ended while compensating are stored as
# `failed` (or `cancelled`, if cancelled), so this set is the whole rule.
COUNTS_AS_FAILED = frozenset({Status.FAILED, Status.CANCELLED})


def new_flow_id() -> str:
    return "flow_" + secrets.token_hex(10)


def new_execution_id() -> str:
    return "exe_" + secrets.token_hex(12)


class FlowQuerySet(TenantQuerySet["Flow"]):
    pass


class Flow(models.Model):
    """An automation a tenant runs; each run is an `Execution`."""

    public_id = models.CharField(max_length=32, unique=True, default=new_flow_id, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="flows")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60)
    description = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FlowQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="flow_slug_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        return self.name


class ExecutionQuerySet(TenantQuerySet["Execution"]):
    def in_flight(self) -> ExecutionQuerySet:
        return self.filter(status__in=IN_FLIGHT)


class Execution(models.Model):
    """One run of a flow, started by an API key (or by the platform: no key)."""

    public_id = models.CharField(
        max_length=32, unique=True, default=new_execution_id, editable=False
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="executions")
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="executions")
    key = models.ForeignKey(
        ApiKey,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="executions",
        help_text="The key that started the run.",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.BigIntegerField(
        null=True, blank=True, help_text="Wall-clock time of an ended run, in milliseconds."
    )
    ended_while_compensating = models.BooleanField(
        default=False, help_text="Ended during compensation: counted as failed."
    )

    objects = ExecutionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-started_at", "-id"], name="execution_tenant_started"),
            models.Index(fields=["tenant", "status"], name="execution_tenant_status"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def audit_label(self) -> str:
        return self.public_id

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED


class DailyUsageQuerySet(TenantQuerySet["DailyUsage"]):
    pass


class DailyUsage(models.Model):
    """Counts of the runs a tenant started on one local day, per flow and key.

    `key_ref` is the starting key's primary key, or 0 for runs without a key: a plain
    integer rather than a nullable foreign key, because a NULL in a unique constraint is
    distinct from every other NULL on SQLite (and on PostgreSQL before 15), which would let
    concurrent upserts create duplicate rows.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="The local day (organisation's time zone) the runs started.")
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="+")
    key_ref = models.BigIntegerField(default=0, help_text="ApiKey id, or 0 for no key.")
    succeeded = models.BigIntegerField(default=0)
    failed = models.BigIntegerField(default=0)
    in_flight = models.BigIntegerField(default=0)
    ended = models.BigIntegerField(default=0)
    duration_ms = models.BigIntegerField(default=0, help_text="Sum over the ended runs.")

    objects = DailyUsageQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "daily usage"
        ordering = ["-day", "flow_id", "key_ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "day", "flow", "key_ref"], name="daily_usage_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.flow_id}/{self.key_ref}"

    @property
    def started(self) -> int:
        return self.succeeded + self.failed + self.in_flight


class QuotaCounterQuerySet(TenantQuerySet["QuotaCounter"]):
    pass


class QuotaCounter(models.Model):
    """Invocations counted against a tenant's allowance in one monthly period; written only
    by `usage.quota` with atomic conditional updates."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField(help_text="The first of the month, in the tenant's zone.")
    used = models.PositiveIntegerField(default=0)
    warned_80_at = models.DateTimeField(null=True, blank=True)
    warned_100_at = models.DateTimeField(null=True, blank=True)

    objects = QuotaCounterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "period_start"], name="quota_counter_unique_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.period_start}: {self.used}"
