"""Keys that need a look soon: about to expire, or idle for a long time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from apikeys.keys import visible_keys
from apikeys.models import ApiKey
from core.acting import Principal

EXPIRING_WITHIN = timedelta(days=14)
# The same threshold as the idle-key findings of the security overview.
IDLE_AFTER = timedelta(days=90)
MAX_LISTED = 5


@dataclass(frozen=True)
class Attention:
    expiring: list[ApiKey]
    idle: list[ApiKey]

    def __bool__(self) -> bool:
        return bool(self.expiring or self.idle)


def keys_needing_attention(principal: Principal, now: datetime | None = None) -> Attention:
    """The principal's visible live keys that expire within two weeks, soonest first, and
    those unused (or, never used, created) 90 or more days ago, longest idle first."""
    now = now or timezone.now()
    live = visible_keys(principal).live().filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    expiring = live.filter(expires_at__lte=now + EXPIRING_WITHIN).order_by("expires_at")
    idle = (
        live.annotate(seen=Coalesce("last_used_at", "created_at"))
        .filter(seen__lte=now - IDLE_AFTER)
        .order_by("seen")
    )
    return Attention(expiring=list(expiring[:MAX_LISTED]), idle=list(idle[:MAX_LISTED]))
