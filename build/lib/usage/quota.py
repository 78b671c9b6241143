"""A tenant's monthly allowance of flow invocations.

The period runs from the first of the month at midnight in the tenant's time zone (the same
local day as the roll-ups). Each invocation is counted by one conditional UPDATE of the
tenant's counter for the period (`used = used + 1 WHERE used < allowance`): the row lock
makes concurrent invocations queue, and each re-reads `used` before it counts, so the
allowance can never be overshot, however many arrive at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework import status

from accounts.models import Membership, Tenant
from accounts.roles import Role
from core.api.exceptions import ApiError
from core.mail import send_later
from usage.models import QuotaCounter
from usage.rollups import local_day

WARN_AT = 0.8


class QuotaExceeded(ApiError):
    """429 `quota_exceeded`, with Retry-After to the period's end."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "This organisation has used its monthly allowance of flow invocations.",
            "quota_exceeded",
            status.HTTP_429_TOO_MANY_REQUESTS,
        )
        self.wait = retry_after


@dataclass(frozen=True)
class Quota:
    period_start: datetime
    period_end: datetime
    allowance: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.allowance is None else max(0, self.allowance - self.used)

    @property
    def percent(self) -> int | None:
        """Used, as a whole percentage of the allowance (at most 100)."""
        if self.allowance is None:
            return None
        if self.allowance == 0:
            return 100
        return min(100, self.used * 100 // self.allowance)

    @property
    def exhausted(self) -> bool:
        return self.allowance is not None and self.used >= self.allowance


def period_of(tenant: Tenant, now: datetime) -> tuple[date, datetime, datetime]:
    """The period containing `now`: its key (the local first of the month), start and end."""
    first = local_day(tenant, now).replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    zone = tenant.tzinfo
    return (
        first,
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(following, time.min, tzinfo=zone),
    )


def current(tenant: Tenant, now: datetime | None = None) -> Quota:
    """Where the tenant stands in the current period."""
    now = now or timezone.now()
    key, start, end = period_of(tenant, now)
    row = QuotaCounter.objects.for_tenant(tenant).filter(period_start=key).first()
    return Quota(start, end, tenant.monthly_executions, row.used if row else 0)


def charge(tenant: Tenant, now: datetime | None = None) -> Quota:
    """Count one invocation, or raise QuotaExceeded (counting nothing). Call it inside the
    transaction that creates the execution, so a failure after it gives the count back."""
    now = now or timezone.now()
    key, start, end = period_of(tenant, now)
    allowance = Tenant.objects.values_list("monthly_executions", flat=True).get(pk=tenant.pk)
    QuotaCounter.objects.bulk_create(
        [QuotaCounter(tenant=tenant, period_start=key)], ignore_conflicts=True
    )
    rows = QuotaCounter.objects.for_tenant(tenant).filter(period_start=key)
    limited = rows if allowance is None else rows.filter(used__lt=allowance)
    if not limited.update(used=F("used") + 1):
        raise QuotaExceeded(max(1, math.ceil((end - now).total_seconds())))
    used = rows.values_list("used", flat=True).get()
    quota = Quota(start, end, allowance, used)
    _warn_once(tenant, key, quota, now)
    return quota


def _warn_once(tenant: Tenant, key: date, quota: Quota, now: datetime) -> None:
    """The 80% and 100% e-mails, each claimed by one conditional UPDATE: sent once a period."""
    if quota.allowance is None:
        return
    rows = QuotaCounter.objects.for_tenant(tenant).filter(period_start=key)
    if quota.used >= quota.allowance and rows.filter(warned_100_at=None).update(
        warned_100_at=now, warned_80_at=Coalesce(F("warned_80_at"), Value(now))
    ):
        transaction.on_commit(lambda: _notify(tenant, quota, reached=True))
    elif quota.used >= math.ceil(quota.allowance * WARN_AT) and rows.filter(
        warned_80_at=None
    ).update(warned_80_at=now):
        transaction.on_commit(lambda: _notify(tenant, quota, reached=False))


def admin_addresses(tenant: Tenant) -> list[str]:
    admins = Membership.objects.for_tenant(tenant).filter(
        role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
    )
    return sorted(admins.values_list("user__email", flat=True))


def _notify(tenant: Tenant, quota: Quota, *, reached: bool) -> None:
    resets = quota.period_end.strftime("%-d %B %Y")
    if reached:
        subject = f"{tenant.name} has used its monthly allowance on Keyward"
        news = (
            f"{tenant.name} has used all {quota.allowance} flow invocations of this month. "
            f"New invocations are refused until the allowance resets on {resets}."
        )
    else:
        subject = f"{tenant.name} has used 80% of its monthly allowance on Keyward"
        news = (
            f"{tenant.name} has used {quota.used} of its {quota.allowance} flow invocations "
            f"this month. The allowance resets on {resets}."
        )
    body = f"{news}\n\nSee the usage page of the Keyward console for details.\n"
    send_later(subject, body, admin_addresses(tenant))
