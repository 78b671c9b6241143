"""An organisation's security policy: read by every door that mints or uses a key, changed
only by its owner, every change audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import audit, security
from accounts.models import AuditAction, SecurityPolicy, Tenant
from accounts.roles import Role
from accounts.signals import security_policy_changed
from core.acting import Actor

FIELDS = (
    "require_expiry",
    "max_lifetime_days",
    "idle_revoke_days",
    "leak_policy",
    "require_mfa",
    "team_keys_by",
)


def update(actor: Actor, role: str, tenant: Tenant, **changes: Any) -> dict[str, Any]:
    """Apply validated changes (owners only); returns what changed, audited in the same
    transaction. Keys pick up a new maximum lifetime at once."""
    if role != Role.OWNER:
        raise PermissionDenied("Only owners can change the security policy.")
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"Not policy fields: {sorted(unknown)}")
    if changes.get("require_mfa") and actor.user is not None and not security.has_mfa(actor.user):
        # Else the owner would lock themselves out of their own organisation.
        raise ValidationError(
            {"require_mfa": "Set up two-factor authentication for yourself first (Account)."}
        )
    with transaction.atomic():
        policy, _ = SecurityPolicy.objects.select_for_update().get_or_create(tenant=tenant)
        changed = {f: v for f, v in changes.items() if getattr(policy, f) != v}
        if not changed:
            return {}
        before = {f: getattr(policy, f) for f in changed}
        for field, value in changed.items():
            setattr(policy, field, value)
        policy.updated_at = timezone.now()
        policy.save()
        tenant._state.fields_cache["security_policy"] = policy
        if "max_lifetime_days" in changed:
            security_policy_changed.send(sender=SecurityPolicy, tenant=tenant, policy=policy)
        audit.record(
            actor,
            tenant,
            AuditAction.POLICY_CHANGED,
            None,
            **{f: {"from": before[f], "to": v} for f, v in changed.items()},
        )
    return changed
