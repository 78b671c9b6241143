"""Flows, executions and roll-ups in the Django admin. Executions change only through
`usage.rollups` (which keeps the roll-ups exact), so the admin shows them read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from usage.models import DailyUsage, Execution, Flow


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin[Flow]):
    list_display = ["name", "slug", "tenant", "public_id", "created_at"]
    list_filter = ["tenant"]
    search_fields = ["name", "slug", "public_id", "tenant__name"]
    readonly_fields = ["public_id", "created_at"]


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Execution)
class ExecutionAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "tenant", "flow", "status", "key", "started_at", "ended_at"]
    list_filter = ["status", "ended_while_compensating", "tenant"]
    search_fields = ["public_id", "flow__name", "key__name", "tenant__name"]
    list_select_related = ["tenant", "flow", "key"]
    date_hierarchy = "started_at"
    show_full_result_count = False  # no COUNT(*) over millions of rows per page view


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyAdmin):
    list_display = ["day", "tenant", "flow", "key_ref", "succeeded", "failed", "in_flight"]
    list_filter = ["tenant"]
    list_select_related = ["tenant", "flow"]
    date_hierarchy = "day"
