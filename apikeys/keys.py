"""What can be done to keys. Console views, API views, the admin and the commands all call
these; each asks `apikeys.authority` first, writes the audit log in the same transaction,
and never lets the raw key out but through its return value."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import audit, security
from accounts.models import AuditAction, LeakPolicy, SecurityPolicy, Tenant, User
from accounts.roles import Role
from apikeys import authority, crypto, restrictions
from apikeys import policy as key_policy
from apikeys.authority import Action
from apikeys.expiry import check_expiry
from apikeys.models import ApiKey, ApiKeyQuerySet, Kind, State, create_key, state_expression
from apikeys.scopes import ALL_SCOPES, normalize
from core.acting import Actor, Principal
from core.tenancy import get_for_tenant_or_404

GRACE_MIN = timedelta(hours=1)
GRACE_MAX = timedelta(days=7)


def principal_for_key(key: ApiKey, owner_role: str | None) -> Principal:
    """Whose rights an API key carries: a team key an admin's, a user key its user's (never
    more than their role), and in either case no scope beyond the key's own."""
    team = key.kind == Kind.TEAM
    return Principal(
        tenant=key.tenant,
        role=Role.ADMIN if team else owner_role or Role.MEMBER,
        user=None if team else key.user,
        key_scopes=frozenset(key.scopes),
        key_networks=tuple(key.allowed_ips) or None,
        key_flows=frozenset(key.flows) or None,
    )


def visible_keys(principal: Principal, now: datetime | None = None) -> ApiKeyQuerySet:
    """The keys the principal may see, each with its state."""
    return ApiKey.objects.filter(authority.visible(principal)).with_state(now)


def key_for(principal: Principal, public_id: str, action: Action = Action.SEE) -> ApiKey:
    """The organisation's key with this id, if the principal may take `action` on it:
    Http404 when it may not even see it, PermissionDenied when it sees but may not act."""
    key = get_for_tenant_or_404(ApiKey, principal.tenant, public_id=public_id)
    authority.check(principal, action, key)
    return key


def scopes_label(key: ApiKey) -> list[str] | str:
    """What the audit log says of a key's scopes: the list, or "full access"."""
    return "full access" if key.has_full_access else list(key.scopes)


def _check_expiry(expires_at: datetime | None) -> None:
    if expires_at is None:
        return
    try:
        check_expiry(expires_at, timezone.now())
    except ValidationError as error:
        raise ValidationError({"expires_at": error.messages}) from error


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
    allowed_ips: list[str] | None = None,
    flows: list[str] | None = None,
) -> tuple[ApiKey, str]:
    """A new key; omitted scopes mean everything the principal may grant, omitted
    restrictions those of the acting key (a restricted key mints restricted keys only)."""
    if not scopes and principal.key_scopes is not None:
        scopes = list(principal.key_scopes)
    try:
        granted = normalize(scopes)
    except ValueError as error:
        raise ValidationError({"scopes": str(error)}) from error
    networks, flow_ids = _restrictions(principal, allowed_ips, flows)
    authority.check_create(principal, kind, granted, networks, flow_ids)
    _check_verified(principal)
    _check_expiry(expires_at)
    now = timezone.now()
    policy = SecurityPolicy.of(principal.tenant)
    key_policy.check_mfa(policy, principal.user if kind == Kind.USER else None)
    key_policy.check_expiry(policy, expires_at, now)
    name = name.strip()
    with transaction.atomic():
        if ApiKey.objects.for_tenant(principal.tenant).live().filter(name=name).exists():
            raise ValidationError({"name": f"A live key named “{name}” already exists."})
        is_user_key = kind == Kind.USER
        key, raw = create_key(
            tenant=principal.tenant,
            kind=kind,
            name=name,
            user=principal.user if is_user_key else None,
            created_by=actor.user,
            description=description,
            scopes=granted,
            expires_at=expires_at,
            allowed_ips=networks,
            flows=flow_ids,
            lifetime_ends_at=key_policy.lifetime_end(policy, now),
        )
        restricted = {"allowed_ips": networks, "flows": flow_ids}
        audit.record(
            actor,
            key.tenant,
            AuditAction.KEY_CREATED,
            key,
            kind=kind,
            scopes=scopes_label(key),
            **{name: value for name, value in restricted.items() if value},
        )
    return key, raw


def _restrictions(
    principal: Principal, allowed_ips: list[str] | None, flows: list[str] | None
) -> tuple[list[str], list[str]]:
    """Validated networks and flow ids; omitted ones default to the acting key's."""
    try:
        networks = restrictions.parse_networks(
            allowed_ips if allowed_ips is not None else principal.key_networks or []
        )
    except ValidationError as error:
        raise ValidationError({"allowed_ips": error.messages}) from error
    try:
        chosen = flows if flows is not None else sorted(principal.key_flows or [])
        flow_ids = restrictions.clean_flows(principal.tenant.pk, chosen)
    except ValidationError as error:
        raise ValidationError({"flows": error.messages}) from error
    return networks, flow_ids


def revoke(actor: Actor, principal: Principal, key: ApiKey) -> bool:
    """Revoke at once (every request checks the database). False if it was already revoked."""
    authority.check(principal, Action.REVOKE, key)
    return revoke_for(actor, key, AuditAction.KEY_REVOKED)


def revoke_as_staff(actor: Actor, key: ApiKey) -> bool:
    """Staff (the Django admin) revoke any key; the actor's label names them, e.g.
    `staff: ops@example.com`. False if it was already revoked."""
    return revoke_for(actor, key, AuditAction.KEY_REVOKED)


def revoke_user_keys(actor: Actor, user: User, tenant: Tenant | None, reason: str) -> int:
    """Revoke a person's live user keys (in one organisation, or everywhere), each audited
    with the reason: a member removed, a member who left, a user deactivated."""
    keys = ApiKey.objects.live().filter(kind=Kind.USER, user=user).select_related("tenant")
    if tenant is not None:
        keys = keys.filter(tenant=tenant)
    return sum(revoke_for(actor, key, AuditAction.KEY_REVOKED, reason=reason) for key in keys)


def revoke_for(actor: Actor, key: ApiKey, action: AuditAction, **details: str) -> bool:
    """Revoke with no authority check, audited as `action`: for staff, and for the system's
    own reasons (a member gone, idleness, a leak). False if it was already revoked."""
    now = timezone.now()
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor.label[:200]
        )
        if updated:
            key.revoked_at, key.revoked_by = now, actor.label[:200]
            key.__dict__.pop("key_state", None)
            audit.record(actor, key.tenant, action, key, **details)
    return bool(updated)


def _check_verified(principal: Principal) -> None:
    """A person (or a key of theirs) mints secrets only once their address is verified."""
    if principal.user is not None and not security.has_verified_email(principal.user):
        raise PermissionDenied("Verify your e-mail address before creating or regenerating keys.")


@sensitive_variables()
def regenerate(
    actor: Actor,
    principal: Principal,
    key: ApiKey,
    grace: timedelta | None = None,
    expires_at: datetime | None = None,
) -> str:
    """New secret, same name, kind, scopes and expiry (an expired key takes a new expiry).
    The old secret stops working now, or at the end of the grace period. Returns the new
    raw key."""
    authority.check(principal, Action.REGENERATE, key)
    _check_verified(principal)
    if grace is not None and not GRACE_MIN <= grace <= GRACE_MAX:
        raise ValidationError({"grace": "The grace period must be between 1 hour and 7 days."})
    _check_expiry(expires_at)
    raw = crypto.generate(key.kind)
    now = timezone.now()
    policy = SecurityPolicy.of(key.tenant)
    key_policy.check_mfa(policy, key.user if key.kind == Kind.USER else None)
    with transaction.atomic():
        # Only the key's row is locked: the state annotation outer-joins its membership, and
        # PostgreSQL cannot lock the nullable side of an outer join.
        locked = ApiKey.objects.select_for_update(of=("self",)).with_state(now).get(pk=key.pk)
        _check_regenerable(locked, expires_at)
        # A new secret starts a new lifetime, within which its expiry must fall.
        key_policy.check_expiry(policy, expires_at or locked.expires_at, now)
        # The old digest is kept (its deadline now, or after the grace) so that the old
        # secret gets a precise "revoked" answer rather than "invalid".
        locked.previous_digest = locked.digest
        locked.previous_expires_at = now + grace if grace else now
        locked.set_secret(raw)
        locked.lifetime_ends_at = key_policy.lifetime_end(policy, now)
        locked.notice_7d_sent_at = locked.notice_1d_sent_at = None
        fields = ["digest", "masked_prefix", "last4", "previous_digest", "previous_expires_at"]
        fields += ["lifetime_ends_at", "notice_7d_sent_at", "notice_1d_sent_at"]
        if expires_at is not None:
            locked.expires_at = expires_at
            fields.append("expires_at")
        locked.save(update_fields=fields)
        details: dict[str, object] = {"grace_seconds": int(grace.total_seconds()) if grace else 0}
        if expires_at is not None:
            details["expires_at"] = expires_at.isoformat()
        audit.record(actor, locked.tenant, AuditAction.KEY_REGENERATED, locked, **details)
    key.refresh_from_db()
    key.__dict__.pop("key_state", None)
    return raw


def _check_regenerable(key: ApiKey, expires_at: datetime | None) -> None:
    state = key.state
    if state == State.REVOKED:
        raise ValidationError("A revoked key cannot be regenerated. Create a new key.")
    if state == State.INACTIVE:
        raise ValidationError(
            "This key is inactive (its user left or was deactivated, or lacks the two-factor "
            "authentication the organisation requires)."
        )
    if state == State.EXPIRED and expires_at is None:
        raise ValidationError({"expires_at": "This key has expired: give it a new expiry date."})


@sensitive_variables()
def live_keys_for(raw_keys: list[str]) -> dict[str, ApiKey]:
    """Each raw key that is the secret of a live key (its current one, or its previous one
    inside a regenerate grace period), mapped to that key."""
    by_digest = {crypto.digest(raw): raw for raw in raw_keys if crypto.parse(raw) is not None}
    found: dict[str, ApiKey] = {}
    digests = list(by_digest)
    now = timezone.now()
    for start in range(0, len(digests), 500):  # large batches, bounded statements
        chunk = digests[start : start + 500]
        # A previous secret inside its grace period works, so it is live too; its key is
        # handled whole: a secret leaked mid-rotation likely leaked with its successor.
        still_working = Q(digest__in=chunk) | Q(
            previous_digest__in=chunk, previous_expires_at__gt=now
        )
        rows = ApiKey.objects.live().filter(still_working).select_related("tenant", "user")
        for key in rows:
            for digest in (key.digest, key.previous_digest):
                if digest in by_digest:
                    found[by_digest[digest]] = key
    return found


@sensitive_variables()
def report_leaked(actor: Actor, raw_keys: list[str], **details: str) -> list[ApiKey]:
    """Apply each organisation's leak policy to its live keys among raw keys found in the
    wild: revoked at once (the default) or, where the policy says so, left working. Every
    match is audited; returns the keys matched, for notification (a revoked one has
    `revoked_at` set). The caller answers the same whether or not any matched."""
    matched = {key.pk: key for key in live_keys_for(raw_keys).values()}.values()
    handled = []
    for key in matched:
        if SecurityPolicy.of(key.tenant).leak_policy == LeakPolicy.NOTIFY:
            audit.record(
                actor, key.tenant, AuditAction.KEY_LEAKED, key,
                reporter=actor.label, outcome="notified only (organisation policy)", **details,
            )  # fmt: skip
            handled.append(key)
        elif revoke_for(actor, key, AuditAction.KEY_LEAKED, reporter=actor.label, **details):
            handled.append(key)
    return handled


def filtered(
    keys: QuerySet[ApiKey],
    *,
    state: str | None = None,
    idle_days: int | None = None,
    never_expire: bool = False,
    never_used: bool = False,
    full_access: bool = False,
    now: datetime | None = None,
) -> QuerySet[ApiKey]:
    """The key list's filters, for the console's list and overview and the API alike."""
    now = now or timezone.now()
    if state:
        keys = keys.alias(state_now=state_expression(now)).filter(state_now=state)
    if idle_days:
        since = now - timedelta(days=idle_days)
        keys = keys.filter(
            Q(last_used_at__lt=since) | Q(last_used_at__isnull=True, created_at__lt=since)
        )
    if never_expire:
        keys = keys.filter(expires_at__isnull=True, lifetime_ends_at__isnull=True)
    if never_used:
        keys = keys.filter(last_used_at__isnull=True)
    if full_access:
        # Scopes are stored normalised (in the order of ALL_SCOPES), so full access is one
        # exact value.
        keys = keys.filter(scopes=ALL_SCOPES)
    return keys
