"""What can be done to keys, by whom. Console views, API views and commands all call these;
each writes the audit log in the same transaction and never lets the raw key out but
through its return value."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import audit, security
from accounts.models import AuditAction
from accounts.roles import Role, is_admin
from apikeys import crypto
from apikeys.models import ApiKey, ApiKeyQuerySet, Kind, create_key
from core.acting import Actor, Principal

GRACE_MIN = timedelta(hours=1)
GRACE_MAX = timedelta(days=7)


def principal_for_key(key: ApiKey, owner_role: str | None) -> Principal:
    """Whose rights an API key carries: a team key an admin's, a user key its user's (never
    more than their role), and in either case no scope beyond the key's own."""
    scopes = frozenset(key.scopes)
    if key.kind == Kind.TEAM:
        return Principal(tenant=key.tenant, role=Role.ADMIN, user=None, key_scopes=scopes)
    return Principal(
        tenant=key.tenant, role=owner_role or Role.MEMBER, user=key.user, key_scopes=scopes
    )


def visible_keys(principal: Principal) -> ApiKeyQuerySet:
    """Admins see every key of the tenant; members only their own user keys."""
    keys = ApiKey.objects.for_tenant(principal.tenant)
    if is_admin(principal.role):
        return keys
    return keys.filter(kind=Kind.USER, user=principal.user)


def can_manage(principal: Principal, key: ApiKey) -> bool:
    """Admins manage any key of their tenant; members their own user keys."""
    if key.tenant_id != principal.tenant.pk:
        return False
    if is_admin(principal.role):
        return True
    return key.kind == Kind.USER and principal.user is not None and key.user_id == principal.user.pk


def scopes_label(key: ApiKey) -> list[str] | str:
    """What the audit log says of a key's scopes: the list, or "full access"."""
    return "full access" if key.has_full_access else list(key.scopes)


@sensitive_variables()
def create(
    actor: Actor,
    principal: Principal,
    *,
    kind: str,
    name: str,
    description: str = "",
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    if kind == Kind.TEAM and not is_admin(principal.role):
        raise PermissionDenied("Only admins can create team keys.")
    if principal.user is not None and not security.has_verified_email(principal.user):
        raise PermissionDenied("Verify your e-mail address before creating API keys.")
    if kind == Kind.USER and principal.user is None:
        raise PermissionDenied("A team key cannot create user keys.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    name = name.strip()
    with transaction.atomic():
        if ApiKey.objects.for_tenant(principal.tenant).live().filter(name=name).exists():
            raise ValidationError({"name": f"A live key named “{name}” already exists."})
        key, raw = create_key(
            tenant=principal.tenant,
            kind=kind,
            name=name,
            user=principal.user if kind == Kind.USER else None,
            created_by=actor.user,
            description=description,
            scopes=scopes,
            expires_at=expires_at,
        )
        audit.record(
            actor, key.tenant, AuditAction.KEY_CREATED, key, kind=kind, scopes=scopes_label(key)
        )
    return key, raw


def revoke(actor: Actor, principal: Principal, key: ApiKey) -> bool:
    """Revoke at once (every request checks the database). False if it was already revoked."""
    if not can_manage(principal, key):
        raise PermissionDenied("You cannot revoke this key.")
    return _revoke(actor, key, AuditAction.KEY_REVOKED)


def revoke_as_staff(actor: Actor, key: ApiKey) -> bool:
    """Staff (the Django admin) revoke any key; the actor's label names them, e.g.
    `staff: ops@example.com`. False if it was already revoked."""
    return _revoke(actor, key, AuditAction.KEY_REVOKED)


def _revoke(actor: Actor, key: ApiKey, action: AuditAction, **details: str) -> bool:
    now = timezone.now()
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor.label[:200]
        )
        if updated:
            key.revoked_at, key.revoked_by = now, actor.label[:200]
            audit.record(actor, key.tenant, action, key, **details)
    return bool(updated)


@sensitive_variables()
def regenerate(
    actor: Actor, principal: Principal, key: ApiKey, grace: timedelta | None = None
) -> str:
    """New secret, same name, kind, scopes and expiry. The old secret stops working now, or
    at the end of the grace period. Returns the new raw key."""
    if not can_manage(principal, key):
        raise PermissionDenied("You cannot regenerate this key.")
    if grace is not None and not GRACE_MIN <= grace <= GRACE_MAX:
        raise ValidationError({"grace": "The grace period must be between 1 hour and 7 days."})
    raw = crypto.generate(key.kind)
    now = timezone.now()
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            raise ValidationError("A revoked key cannot be regenerated.")
        # The old digest is kept (its deadline now, or after the grace) so that the old
        # secret gets a precise "revoked" answer rather than "invalid".
        locked.previous_digest = locked.digest
        locked.previous_expires_at = now + grace if grace else now
        locked.set_secret(raw)
        locked.save(
            update_fields=[
                "digest",
                "masked_prefix",
                "last4",
                "previous_digest",
                "previous_expires_at",
            ]
        )
        audit.record(
            actor,
            locked.tenant,
            AuditAction.KEY_REGENERATED,
            locked,
            grace_seconds=int(grace.total_seconds()) if grace else 0,
        )
    key.refresh_from_db()
    return raw


@sensitive_variables()
def report_leaked(actor: Actor, raw_keys: list[str]) -> list[ApiKey]:
    """Revoke every live key among raw keys found in the wild (its current secret, or its
    previous one during a regenerate grace period). Returns the keys revoked, for
    notification; the caller answers the same whether or not any matched."""
    digests = [crypto.digest(raw) for raw in raw_keys if crypto.parse(raw) is not None]
    if not digests:
        return []
    # A previous secret still inside its regenerate grace period works, so it is live too;
    # its key is revoked whole: a secret leaked mid-rotation likely leaked with its successor.
    still_working = Q(digest__in=digests) | Q(
        previous_digest__in=digests, previous_expires_at__gt=timezone.now()
    )
    revoked = []
    for key in ApiKey.objects.live().filter(still_working).select_related("tenant", "user"):
        if _revoke(actor, key, AuditAction.KEY_LEAKED, reporter=actor.label):
            revoked.append(key)
    return revoked
