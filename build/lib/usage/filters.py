"""The usage filters (`flow`, `key`) by public id, shared by the page and the API.

An id that is not one of the caller's tenant's flows, or not one of the keys the caller may
see (admins: every key of the tenant; members: their own user keys), is a 404 — never an
empty result that would confirm or deny another tenant's id.
"""

from __future__ import annotations

from django.http import Http404

from apikeys.keys import visible_keys
from apikeys.models import ApiKey
from core.acting import Principal
from core.tenancy import get_for_tenant_or_404
from usage.models import Flow


def flow_filter(principal: Principal, public_id: str | None) -> Flow | None:
    if not public_id:
        return None
    if principal.key_flows is not None and public_id not in principal.key_flows:
        raise Http404("No such flow.")  # outside a flow-restricted key: as if absent
    return get_for_tenant_or_404(Flow, principal.tenant, public_id=public_id)


def restricted_flows(principal: Principal) -> frozenset[str] | None:
    """The flows a flow-restricted key sees (public ids); None: every flow."""
    return principal.key_flows


def unknown_flows(tenant_id: int, public_ids: list[str]) -> list[str]:
    """Of these flow ids, those that are not the organisation's flows."""
    known = set(
        Flow.objects.filter(tenant_id=tenant_id, public_id__in=public_ids).values_list(
            "public_id", flat=True
        )
    )
    return [public_id for public_id in public_ids if public_id not in known]


def key_filter(principal: Principal, public_id: str | None) -> ApiKey | None:
    if not public_id:
        return None
    key = visible_keys(principal).filter(public_id=public_id).first()
    if key is None:
        raise Http404("No such key.")
    return key


def flow_choices(tenant_id: int) -> list[tuple[str, str]]:
    """The organisation's flows as (public id, name), for a key's flow restriction."""
    rows = Flow.objects.filter(tenant_id=tenant_id).order_by("name", "id")
    return [(public_id, name) for public_id, name in rows.values_list("public_id", "name")]
