"""The page of one key (`/console/api-keys/{id}`): its details and restrictions, where it
was used from, its runs of the last 30 days and its audit trail. It lives here, above
`apikeys`, because the runs are usage's; members see their own keys' pages, admins every
key's, and another organisation's key id is a 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts.decorators import tenant_required
from accounts.models import AuditEvent
from apikeys import authority
from apikeys.authority import Action
from apikeys.keys import key_for
from apikeys.models import ApiKey
from core.acting import Principal
from core.http import ConsoleRequest
from usage import rollups, stats
from usage.models import Flow

SIGHTINGS_SHOWN = 10
AUDIT_SHOWN = 50


@tenant_required()
def key_page(request: ConsoleRequest, public_id: str) -> HttpResponse:
    principal = Principal.of_membership(request.membership)
    key = key_for(principal, public_id, Action.SEE)
    key = ApiKey.objects.with_state().select_related("user", "created_by").get(pk=key.pk)
    window = rollups.read(principal.tenant, stats.DEFAULT_DAYS, key=key)
    flows = Flow.objects.for_tenant(principal.tenant).filter(public_id__in=key.flows)
    trail = AuditEvent.objects.for_tenant(principal.tenant).filter(
        target_type="apikey", target_id=str(key.pk)
    )
    context = {
        "key": key,
        "flows": flows,
        "sightings": key.sightings.all()[:SIGHTINGS_SHOWN],
        "window": window,
        "cards": stats.cards(window.days),
        "chart": stats.chart(window.days),
        "chart_title": f"Runs of the last {len(window.days)} days",
        "trail": trail[:AUDIT_SHOWN],
        "can_regenerate": authority.may(principal, Action.REGENERATE, key),
        "can_revoke": authority.may(principal, Action.REVOKE, key),
        "legend": [("seg-ok", "Succeeded"), ("seg-fail", "Failed"), ("seg-flight", "In flight")],
    }
    return render(request, "usage/key_page.html", context)
