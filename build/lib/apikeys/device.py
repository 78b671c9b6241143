"""Device login (the OAuth 2.0 device authorization grant): `keyward login` asks for a code,
a person approves it in the console, and the device collects a fresh user key named `cli`.

The device code is stored only as its digest; the user code is 8 letters from an alphabet
without vowels or look-alikes, shown as XXXX-XXXX. A code lives 10 minutes and is used
once: approving, denying and collecting each move it on with one conditional UPDATE, so
two tabs or two pollers cannot both win. The key is minted when the device collects it
(through `apikeys.keys.create`, so the authority policy and e-mail verification apply),
and its secret goes nowhere but that one response.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import audit
from accounts.models import AuditAction, Membership, Tenant, User
from apikeys import keys
from apikeys.models import ApiKey, DeviceAuthorization, DeviceStatus, Kind
from core.acting import Actor, Principal

CLIENT_ID = "keyward-cli"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
LIFETIME = timedelta(minutes=10)
INTERVAL = 5
SLOW_DOWN_STEP = 5
KEY_NAME = "cli"


class OAuthError(Exception):
    """An RFC 6749 / 8628 error: `error` is the code, `status` the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def digest(device_code: str) -> str:
    return hashlib.sha256(device_code.encode()).hexdigest()


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))


def normalize_user_code(text: str) -> str:
    """What a person typed, as stored: letters only, upper case (`bcdf-ghjk` → BCDFGHJK)."""
    return "".join(ch for ch in text.upper() if ch.isalpha())


@dataclass(frozen=True)
class Started:
    device_code: str
    authorization: DeviceAuthorization


@sensitive_variables("device_code")
def start(client_id: str, ip: str | None, user_agent: str) -> Started:
    """A new pending authorization; the device code exists only in the return value."""
    if client_id != CLIENT_ID:
        raise OAuthError("invalid_client", "Unknown client_id.", 401)
    now = timezone.now()
    for _ in range(5):  # a user code collision is rare (20^8 codes); pick another
        device_code = secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                authorization = DeviceAuthorization.objects.create(
                    device_digest=digest(device_code),
                    user_code=new_user_code(),
                    client_id=client_id,
                    expires_at=now + LIFETIME,
                    interval=INTERVAL,
                    ip=ip,
                    user_agent=user_agent[:300],
                )
        except IntegrityError:
            continue
        return Started(device_code, authorization)
    raise RuntimeError("could not pick a free user code")


def pending(user_code: str, now: datetime | None = None) -> DeviceAuthorization | None:
    """The live, undecided authorization with this user code, if any."""
    now = now or timezone.now()
    return (
        DeviceAuthorization.objects.filter(
            user_code=normalize_user_code(user_code),
            status=DeviceStatus.PENDING,
            expires_at__gt=now,
        )
        .order_by()
        .first()
    )


def _decide(
    actor: Actor, authorization: DeviceAuthorization, membership: Membership, approve: bool
) -> bool:
    now = timezone.now()
    status = DeviceStatus.APPROVED if approve else DeviceStatus.DENIED
    with transaction.atomic():
        moved = DeviceAuthorization.objects.filter(
            pk=authorization.pk, status=DeviceStatus.PENDING, expires_at__gt=now
        ).update(status=status, user=membership.user, tenant=membership.tenant, decided_at=now)
        if not moved:
            return False
        action = AuditAction.DEVICE_APPROVED if approve else AuditAction.DEVICE_DENIED
        audit.record(
            actor,
            membership.tenant,
            action,
            code=authorization.display_code,
            ip=authorization.ip or "",
            user_agent=authorization.user_agent,
        )
    return True


def approve(actor: Actor, authorization: DeviceAuthorization, membership: Membership) -> bool:
    """Approve into `membership`'s tenant (the caller picked one of the user's own)."""
    return _decide(actor, authorization, membership, approve=True)


def deny(actor: Actor, authorization: DeviceAuthorization, membership: Membership) -> bool:
    return _decide(actor, authorization, membership, approve=False)


def free_key_name(tenant: Tenant) -> str:
    """`cli`, or `cli-2`, `cli-3`, … when that name is taken by a live key."""
    taken = set(
        ApiKey.objects.for_tenant(tenant)
        .live()
        .filter(Q(name=KEY_NAME) | Q(name__startswith=f"{KEY_NAME}-"))
        .values_list("name", flat=True)
    )
    name, n = KEY_NAME, 1
    while name in taken:
        n += 1
        name = f"{KEY_NAME}-{n}"
    return name


def _poll(device_code: str, now: datetime) -> DeviceAuthorization:
    found = DeviceAuthorization.objects.filter(device_digest=digest(device_code)).first()
    if found is None:
        raise OAuthError("invalid_grant", "Unknown device code.")
    if found.status == DeviceStatus.ISSUED:
        raise OAuthError("invalid_grant", "This device code has already been used.")
    if found.expires_at <= now:
        raise OAuthError("expired_token", "The device code has expired; run the login again.")
    last = found.last_polled_at
    too_soon = last is not None and now - last < timedelta(seconds=found.interval)
    # Conditional on the poll time read: of two simultaneous polls one wins, one slows down.
    polled = not too_soon and DeviceAuthorization.objects.filter(
        pk=found.pk, last_polled_at=last
    ).update(last_polled_at=now)
    if not polled:
        DeviceAuthorization.objects.filter(pk=found.pk).update(
            interval=F("interval") + SLOW_DOWN_STEP, last_polled_at=now
        )
        raise OAuthError("slow_down", "Polling too fast; wait longer between requests.")
    if found.status == DeviceStatus.DENIED:
        raise OAuthError("access_denied", "The login was denied in the console.")
    if found.status == DeviceStatus.PENDING:
        raise OAuthError("authorization_pending", "Waiting for approval in the console.")
    return found


@sensitive_variables()
def collect(client_id: str, device_code: str) -> tuple[ApiKey, str]:
    """Exchange an approved device code for a fresh user key, once."""
    if client_id != CLIENT_ID:
        raise OAuthError("invalid_client", "Unknown client_id.", 401)
    now = timezone.now()
    found = _poll(device_code, now)
    with transaction.atomic():
        claimed = DeviceAuthorization.objects.filter(
            pk=found.pk, status=DeviceStatus.APPROVED
        ).update(status=DeviceStatus.ISSUED)
        if not claimed:
            raise OAuthError("invalid_grant", "This device code has already been used.")
        assert found.user is not None and found.tenant is not None
        membership = _membership(found.user, found.tenant)
        actor = Actor(user=found.user, label=f"{found.user.email} (device login)", ip=found.ip)
        try:
            key, raw = keys.create(
                actor,
                Principal.of_membership(membership),
                kind=Kind.USER,
                name=free_key_name(found.tenant),
                description=f"keyward login from {found.user_agent or 'a device'}"[:500],
            )
        except (PermissionDenied, ValidationError) as error:
            raise OAuthError("access_denied", "; ".join(_messages(error))) from error
        DeviceAuthorization.objects.filter(pk=found.pk).update(key=key)
    return key, raw


def _messages(error: PermissionDenied | ValidationError) -> list[str]:
    return error.messages if isinstance(error, ValidationError) else [str(error)]


def _membership(user: User, tenant: Tenant) -> Membership:
    membership = (
        Membership.objects.for_tenant(tenant)
        .filter(user=user, user__is_active=True, tenant__is_active=True)
        .select_related("user", "tenant")
        .first()
    )
    if membership is None:
        raise OAuthError("access_denied", "The approving account is no longer a member.")
    return membership
