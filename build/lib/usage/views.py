"""The usage page: the window's cards, a stacked bar per day, and the same numbers as a table."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts.decorators import tenant_required
from apikeys.keys import visible_keys
from core.acting import Principal
from core.http import ConsoleRequest
from usage import rollups, stats
from usage.filters import flow_filter, key_filter
from usage.models import Flow


@tenant_required()
def usage_page(request: ConsoleRequest) -> HttpResponse:
    """Every member sees the organisation's usage; the key filter lists the keys they may
    see."""
    principal = Principal.of_membership(request.membership)
    flow = flow_filter(principal, request.GET.get("flow"))
    key = key_filter(principal, request.GET.get("key"))
    window = rollups.read(principal.tenant, stats.DEFAULT_DAYS, flow=flow, key=key)
    cards = stats.cards(window.days)
    flows = Flow.objects.for_tenant(principal.tenant).order_by("name")
    context = {
        # Nothing to draw and nothing filtered away: the page teaches how to start instead.
        "getting_started": cards.executions == 0 and flow is None and key is None,
        "first_flow": flows.first(),
        "api_base": request.build_absolute_uri("/api/v1"),
        "window": window,
        "cards": cards,
        "chart": stats.chart(window.days),
        "rows": list(reversed(window.days)),  # the table reads newest first
        "flows": flows,
        "keys": visible_keys(principal).order_by("name", "created_at"),
        "flow": flow,
        "key": key,
        "legend": [("seg-ok", "Succeeded"), ("seg-fail", "Failed"), ("seg-flight", "In flight")],
    }
    return render(request, "usage/usage.html", context)
