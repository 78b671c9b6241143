"""Organisations: creating one, and changing its settings. The console, the Django admin
and the management commands all call these, so the audit entry and the re-bucketing of
usage cannot be skipped by coming in through another door."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts import audit
from accounts.models import AuditAction, Membership, Tenant, User
from accounts.roles import Role
from accounts.signals import tenant_time_zone_changed
from core.acting import Actor


def create_tenant(name: str, owner: User, time_zone: str = "UTC") -> Tenant:
    with transaction.atomic():
        tenant = Tenant.objects.create(
            name=name, slug=Tenant.unique_slug(name), time_zone=time_zone
        )
        Membership.objects.create(user=owner, tenant=tenant, role=Role.OWNER)
        audit.record(Actor(user=owner, label=owner.email), tenant, AuditAction.TENANT_CREATED)
    return tenant


def update_settings(actor: Actor, tenant: Tenant, **changes: Any) -> dict[str, Any]:
    """Apply changed settings (already validated: name, time zone, and for staff the slug,
    rate limit and activity), audit them, and re-bucket usage when the time zone moves.
    Returns what actually changed; nothing is written when that is nothing."""
    with transaction.atomic():
        before = Tenant.objects.select_for_update().get(pk=tenant.pk)
        changed = {
            field: value for field, value in changes.items() if getattr(before, field) != value
        }
        if not changed:
            return {}
        for field, value in changed.items():
            setattr(tenant, field, value)
        tenant.save(update_fields=list(changed))
        if "time_zone" in changed:
            tenant_time_zone_changed.send(sender=Tenant, tenant=tenant)
        audit.record(actor, tenant, AuditAction.TENANT_UPDATED, **changed)
    return changed
