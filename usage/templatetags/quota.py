"""`{% quota_card tenant %}`: the monthly allowance as a card with a bar (usage page, overview)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import Tenant
from usage import quota

register = template.Library()


@register.inclusion_tag("usage/_quota_card.html")
def quota_card(tenant: Tenant) -> dict[str, Any]:
    """Dates in the organisation's zone, whichever page includes it."""
    return {"quota": quota.current(tenant), "time_zone": tenant.time_zone}
