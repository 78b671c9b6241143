"""DRF authentication by API key.

`Authorization: Bearer <key>` or `X-API-Key: <key>` (the same key in both is fine, two
different keys are a 400). Never the query string. Reading the headers, checking the
key's shape and checksum, and the database lookup are separate functions: a malformed key
is refused before any SQL, and a well-formed one costs exactly one query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from accounts.models import Tenant
from apikeys import crypto, keys, restrictions
from apikeys.lookup import find_by_digest
from apikeys.models import ApiKey, KeySighting, Kind, State
from core import ratelimit
from core.api.exceptions import ApiError, InvalidRequest
from core.http import KeyedHttpRequest
from core.network import client_ip

LAST_USED_EVERY = timedelta(seconds=60)

MESSAGES = {
    "missing_key": "Send an API key in the Authorization: Bearer or X-API-Key header.",
    "malformed_key": "This is not a well-formed Keyward API key.",
    "invalid_key": "This API key is not valid.",
    "expired_key": "This API key has expired.",
    "revoked_key": "This API key has been revoked.",
}
MFA_REQUIRED = (
    "This organisation requires two-factor authentication: the key's user must set it up "
    "in the console, and the key works again."
)


class KeyRefused(exceptions.AuthenticationFailed):
    """401 with one of the documented error codes."""

    def __init__(self, code: str) -> None:
        super().__init__(MESSAGES[code], code=code)


@dataclass(frozen=True)
class TeamPrincipal:
    """`request.user` for a team key: authenticated, but no person."""

    tenant: Tenant
    key_name: str
    is_authenticated: bool = field(default=True, init=False)
    is_anonymous: bool = field(default=False, init=False)
    is_active: bool = field(default=True, init=False)
    is_staff: bool = field(default=False, init=False)
    pk: None = field(default=None, init=False)

    def __str__(self) -> str:
        return f"team key “{self.key_name}” of {self.tenant.slug}"


@sensitive_variables()
def presented_key(request: HttpRequest) -> str | None:
    """The key in the headers, or None if none was sent. Two different keys are a 400."""
    meta = request.META
    found = []
    authorization = meta.get("HTTP_AUTHORIZATION")
    if authorization is not None:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer":
            found.append(credentials)
        elif authorization.strip():
            return None  # another scheme: not ours; the next class may try
    api_key = meta.get("HTTP_X_API_KEY")
    if api_key is not None:
        found.append(api_key)
    if not found:
        return None
    if len(set(found)) > 1:
        raise InvalidRequest("Send one API key: the two headers carry different keys.")
    return str(found[0])


@sensitive_variables()
def check_shape(raw: str) -> crypto.ParsedKey:
    """Shape and checksum only; no database."""
    parsed = crypto.parse(raw)
    if parsed is None:
        raise KeyRefused("missing_key" if not raw.strip() else "malformed_key")
    return parsed


REFUSED_STATES = {State.EXPIRED: "expired_key", State.REVOKED: "revoked_key"}


def refusal(key: ApiKey | None, digest: str, now: datetime) -> str | None:
    """None if the key may authenticate with this digest, else the error code."""
    if key is None:
        return "invalid_key"
    if key.digest != digest and (key.previous_expires_at is None or key.previous_expires_at <= now):
        return "revoked_key"  # an old secret after its regenerate grace period
    if key.state == State.ACTIVE:
        return None
    if key.state == State.INACTIVE and getattr(key, "lacks_mfa", False):
        return "mfa_required"
    # Inactive (its organisation, user or membership is gone) answers as revoked.
    return REFUSED_STATES.get(State(key.state), "revoked_key")


def touch(key: ApiKey, ip: str | None, now: datetime) -> None:
    """Record last use at most once a minute per key.

    Skipped in Python while the value we just read is fresh; otherwise one conditional
    UPDATE, so of a burst of concurrent requests only the first writes and the rest match
    no row: a burst costs no extra writes, and the row is not locked on every request.
    """
    since = now - LAST_USED_EVERY
    if key.last_used_at is not None and key.last_used_at >= since:
        return
    ApiKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=since), pk=key.pk
    ).update(last_used_at=now, last_used_ip=ip)


# (key, address) → when this process last recorded that sighting. Bounded, oldest first out.
_recent_sightings: OrderedDict[tuple[str, str], datetime] = OrderedDict()
_recent_sightings_lock = threading.Lock()
RECENT_SIGHTINGS_KEPT = 10_000


def sight(key: ApiKey, ip: str | None, user_agent: str, now: datetime) -> None:
    """Record the client address on the key's page, at most once a minute per key and
    address. A key used from several addresses at once (CI runners) costs nothing more once
    each is recorded: this process remembers what it recorded in the last minute, and the
    conditional UPDATE keeps the database to one write a minute across processes."""
    if not ip:
        return
    since = now - LAST_USED_EVERY
    fresh = key.last_used_at is not None and key.last_used_at >= since
    if fresh and key.last_used_ip == ip:
        return
    memo = (key.public_id, ip)
    with _recent_sightings_lock:
        recorded = _recent_sightings.get(memo)
        if recorded is not None and since <= recorded <= now:
            return
        _recent_sightings[memo] = now
        _recent_sightings.move_to_end(memo)
        while len(_recent_sightings) > RECENT_SIGHTINGS_KEPT:
            _recent_sightings.popitem(last=False)
    agent = user_agent[:300]
    rows = KeySighting.objects.filter(key=key, ip=ip, last_seen__lt=since)
    if not rows.update(last_seen=now, user_agent=agent):
        KeySighting.objects.bulk_create(
            [KeySighting(key=key, ip=ip, user_agent=agent, first_seen=now, last_seen=now)],
            ignore_conflicts=True,
        )


class MfaRequired(ApiError):
    """403 `mfa_required`: a user key whose user has no second factor, in an organisation
    that requires one. Not a 401: the key is right, and works again once they set one up."""

    def __init__(self) -> None:
        super().__init__(MFA_REQUIRED, "mfa_required", 403)


class IpNotAllowed(ApiError):
    """403 `ip_not_allowed`: the key is restricted to other networks."""

    def __init__(self) -> None:
        super().__init__("This API key cannot be used from this IP address.", "ip_not_allowed", 403)


def user_for(key: ApiKey) -> object:
    if key.kind == Kind.TEAM:
        return TeamPrincipal(tenant=key.tenant, key_name=key.name)
    return key.user


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates by API key; sets request.user, request.auth (the key) and request.tenant."""

    @sensitive_variables()
    def authenticate(self, request: Request) -> tuple[object, ApiKey] | None:
        # The Django request itself: DRF's Request reaches its attributes through a
        # __getattr__ that costs more than the checks below.
        http = request._request
        raw = presented_key(http)
        if raw is None:
            return None
        ip = client_ip(http)
        digest = crypto.digest(raw)
        gate = ratelimit.gate_key(http, digest)
        try:
            key = self.authenticate_key(raw, digest)
        except (exceptions.AuthenticationFailed, MfaRequired):
            ratelimit.count_failure(http, gate)
            raise
        rate = ratelimit.key_rate(key.tenant.rate_limit)
        ratelimit.charge_key(http, gate, key.pk, rate)
        if not restrictions.ip_allowed(key.allowed_ips, ip):
            raise IpNotAllowed()
        now = timezone.now()
        sight(key, ip, http.META.get("HTTP_USER_AGENT", ""), now)
        touch(key, ip, now)
        keyed = cast(KeyedHttpRequest, http)
        keyed.tenant = key.tenant
        keyed.api_key = key
        role = key.membership.role if key.membership else None
        keyed.principal = keys.principal_for_key(key, role)
        return user_for(key), key

    @sensitive_variables()
    def authenticate_key(self, raw: str, digest: str | None = None) -> ApiKey:
        """The usable key for this raw secret (whose digest the caller may have computed),
        or KeyRefused with its error code."""
        check_shape(raw)
        digest = digest or crypto.digest(raw)
        now = timezone.now()
        key = find_by_digest(digest, now)
        code = refusal(key, digest, now)
        if code == "mfa_required":
            raise MfaRequired()
        if code is not None:
            raise KeyRefused(code)
        assert key is not None
        return key

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"
