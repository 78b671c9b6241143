"""Helpers for the usage tests."""

from __future__ import annotations

from datetime import datetime

from accounts.models import Tenant
from usage.models import DailyUsage
from usage.rollups import recompute

Bucket = tuple[object, ...]


def _row(row: DailyUsage) -> Bucket:
    return (
        row.day,
        row.flow_id,
        row.key_ref,
        row.succeeded,
        row.failed,
        row.in_flight,
        row.ended,
        row.duration_ms,
    )


def buckets(tenant: Tenant) -> set[Bucket]:
    """The tenant's stored roll-up rows as comparable tuples."""
    return {_row(row) for row in DailyUsage.objects.for_tenant(tenant)}


def recomputed(tenant: Tenant) -> set[Bucket]:
    """The roll-up rows a recomputation from the executions gives."""
    return {_row(row) for row in recompute(tenant)}


def at(text: str) -> datetime:
    """An aware datetime from ISO text, e.g. at("2024-03-31T00:30:00+00:00")."""
    return datetime.fromisoformat(text)
