"""Writing the audit log. Reading it is `AuditEvent.objects.for_tenant(tenant)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpRequest

from accounts.models import AuditAction, AuditEvent, Tenant, User
from accounts.network import client_ip


@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in user, an API key, or the system (a command)."""

    user: User | None
    label: str
    ip: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        ip = client_ip(request)
        key = getattr(request, "auth", None)
        if key is not None and hasattr(key, "audit_label"):
            return cls(user=getattr(key, "user", None), label=key.audit_label, ip=ip)
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, label=user.email if user else "anonymous", ip=ip)  # type: ignore[union-attr]

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user=None, label=label)


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
