"""The organisation's security policy as it applies to keys: at creation, at regeneration
and at use (through `lifetime_ends_at`, which the key state reads)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F

from accounts import security
from accounts.models import SecurityPolicy, Tenant, User
from apikeys.models import ApiKey


def lifetime_end(policy: SecurityPolicy, start: datetime) -> datetime | None:
    if policy.max_lifetime_days is None:
        return None
    return start + timedelta(days=policy.max_lifetime_days)


def check_expiry(policy: SecurityPolicy, expires_at: datetime | None, now: datetime) -> None:
    """A new secret's expiry under the policy: required, and within the maximum lifetime."""
    if expires_at is None:
        if policy.require_expiry:
            raise ValidationError(
                {"expires_at": "This organisation requires an expiry date on every key."}
            )
        return
    end = lifetime_end(policy, now)
    if end is not None and expires_at > end:
        raise ValidationError(
            {
                "expires_at": "This organisation's keys live at most "
                f"{policy.max_lifetime_days} days: pick an earlier expiry."
            }
        )


def check_mfa(policy: SecurityPolicy, user: User | None) -> None:
    """A person mints or regenerates a key only with a second factor when the organisation
    requires one (a key of theirs would not work without it anyway)."""
    if user is not None and security.lacks_required_mfa(policy, user):
        raise PermissionDenied(
            "This organisation requires two-factor authentication: set it up before "
            "creating or regenerating API keys."
        )


def apply_lifetime(tenant: Tenant, policy: SecurityPolicy) -> int:
    """A new maximum lifetime applies to existing live keys too, counted from creation."""
    keys = ApiKey.objects.filter(tenant=tenant, revoked_at__isnull=True)
    if policy.max_lifetime_days is None:
        return keys.update(lifetime_ends_at=None)
    span = timedelta(days=policy.max_lifetime_days)
    return keys.update(lifetime_ends_at=F("created_at") + span)
