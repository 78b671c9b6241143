"""Flows, executions and roll-ups in the Django admin. Executions change only through
`usage.rollups` (which keeps the roll-ups exact), so the admin shows them read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import KeywardAdmin, ReadOnlyPageAdmin
from usage.models import DailyUsage, Execution, Flow, QuotaCounter


@admin.register(Flow)
class FlowAdmin(KeywardAdmin[Flow]):
    list_display = ["name", "slug", "tenant", "public_id", "created_at"]
    list_filter = ["tenant"]
    search_fields = ["name", "slug", "public_id", "tenant__name"]
    readonly_fields = ["public_id", "created_at"]


class ReadOnlyAdmin(ReadOnlyPageAdmin[Any]):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Execution)
class ExecutionAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "tenant", "flow", "status", "key", "started_at", "ended_at"]
    list_filter = ["status", "ended_while_compensating", "tenant"]
    search_fields = ["public_id", "flow__name", "key__name", "tenant__name"]
    list_select_related = ["tenant", "flow", "key"]
    # No date hierarchy: its year/month/day links scan every execution (0.6 to 0.85 s at 47k
    # rows); the capped paginator keeps the page's cost independent of the table's size.


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyAdmin):
    list_display = ["day", "tenant", "flow", "key_ref", "succeeded", "failed", "in_flight"]
    list_filter = ["tenant"]
    list_select_related = ["tenant", "flow"]


@admin.register(QuotaCounter)
class QuotaCounterAdmin(ReadOnlyAdmin):
    """Invocations counted per organisation and month; the allowance is the organisation's."""

    list_display = ["tenant", "period_start", "used", "warned_80_at", "warned_100_at"]
    list_filter = ["period_start"]
    search_fields = ["tenant__name"]
    list_select_related = ["tenant"]
