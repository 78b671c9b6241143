"""The console's front page: the organisation at a glance.

It sits on top of the apps (like the demo command) because it shows what each of them
owns: usage, keys that need a look, members and, for admins, the latest audit events.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts.decorators import tenant_required
from accounts.models import AuditEvent, Membership
from accounts.roles import is_admin
from apikeys.attention import keys_needing_attention
from apikeys.keys import visible_keys
from core.acting import Principal
from core.http import ConsoleRequest
from usage import rollups, stats
from usage.models import Flow

RECENT_EVENTS = 5


@tenant_required()
def home(request: ConsoleRequest) -> HttpResponse:
    principal = Principal.of_membership(request.membership)
    tenant = principal.tenant
    window = rollups.read(tenant, stats.DEFAULT_DAYS)
    admin = is_admin(principal.role)
    events = AuditEvent.objects.for_tenant(tenant).select_related("actor_user")
    context = {
        "member_count": Membership.objects.for_tenant(tenant).count(),
        "window": window,
        "cards": stats.cards(window.days),
        "sparkline": stats.sparkline(window.days),
        "live_key_count": visible_keys(principal).live().count(),
        "attention": keys_needing_attention(principal),
        "recent_events": list(events[:RECENT_EVENTS]) if admin else [],
        "is_admin": admin,
        "first_flow": Flow.objects.for_tenant(tenant).order_by("created_at").first(),
        "api_base": request.build_absolute_uri("/api/v1"),
    }
    return render(request, "overview.html", context)
