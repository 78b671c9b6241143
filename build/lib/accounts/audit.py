"""Writing the audit log. Reading it is `AuditEvent.objects.for_tenant(tenant)`."""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts.models import AuditAction, AuditEvent, Tenant
from core.acting import Actor


def describe(target: models.Model | None) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    label = getattr(target, "audit_label", None) or str(target)
    return target._meta.model_name or "", str(target.pk), label[:200]


def record(
    actor: Actor,
    tenant: Tenant,
    action: AuditAction,
    target: models.Model | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event. Never pass a secret in `details`: it is shown to admins and staff."""
    target_type, target_id, target_label = describe(target)
    return AuditEvent.objects.create(
        tenant=tenant,
        action=action,
        actor_user=actor.user,
        actor_label=actor.label[:200],
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        ip=actor.ip,
        details=details,
    )
