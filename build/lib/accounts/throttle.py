"""Failed sign-ins, throttled per account and per client IP on the shared cache.

Every door that checks a password (the console's sign-in, re-authentication, and through
it the Django admin's login) goes through allauth's adapter, which asks here first. Once
a bucket is full, even the right password is refused until its window ends, and the
message says when that is. A success never empties a bucket: an attacker who knows one
password could otherwise interleave it to keep guessing another.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from accounts.models import normalize_email
from core.network import client_ip
from core.ratelimit import Rate, Window, hit, peek


@dataclass(frozen=True)
class Lockout:
    """A refused sign-in: which bucket is full and how long until it empties."""

    retry_after: int

    @property
    def message(self) -> str:
        minutes = max(1, -(-self.retry_after // 60))
        unit = "minute" if minutes == 1 else "minutes"
        return (
            "Too many failed sign-in attempts. Sign-in is locked for this account or "
            f"network; try again in {minutes} {unit}."
        )


def _buckets(request: HttpRequest, email: str) -> list[tuple[str, Rate]]:
    period = settings.SIGNIN_LOCKOUT_SECONDS
    account = hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]
    return [
        (f"signin-fail:account:{account}", Rate(settings.SIGNIN_FAILURES_PER_ACCOUNT, period)),
        (
            f"signin-fail:ip:{client_ip(request) or '-'}",
            Rate(settings.SIGNIN_FAILURES_PER_IP, period),
        ),
    ]


def _full(window: Window) -> bool:
    return window.count >= window.limit


def lockout(request: HttpRequest, email: str) -> Lockout | None:
    """Whether a sign-in for `email` from this client is refused before any password check."""
    now = time.time()
    full = [
        w for w in (peek(name, rate, now) for name, rate in _buckets(request, email)) if _full(w)
    ]
    if not full:
        return None
    return Lockout(retry_after=max(w.retry_after(now) for w in full))


def count_failure(request: HttpRequest, email: str) -> bool:
    """Count one failed sign-in; True when it is the one that fills the account's bucket."""
    now = time.time()
    windows = [hit(name, rate, now) for name, rate in _buckets(request, email)]
    return windows[0].count == windows[0].limit
