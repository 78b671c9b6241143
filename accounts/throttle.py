"""Failed sign-ins, throttled per account and per client IP on the shared cache.

Every door that checks a password (the console's sign-in, re-authentication, the current
password of "change password", and through the console the Django admin's login) goes
through allauth's adapter, which asks here first. The failure that fills a bucket locks
it for one whole period from then: even the right password is refused until the lock
ends, and the message says when that is. A success never empties a bucket: an attacker
who knows one password could otherwise interleave it to keep guessing another.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from accounts.models import normalize_email
from core.network import client_ip
from core.ratelimit import Rate, held_until, hit, hold


@dataclass(frozen=True)
class Lockout:
    """A refused sign-in: how long until the lock on the account or network ends."""

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


def lockout(request: HttpRequest, email: str) -> Lockout | None:
    """Whether a sign-in for `email` from this client is refused before any password check."""
    now = time.time()
    ends = [held_until(f"{name}:lock", now) for name, _ in _buckets(request, email)]
    locked = [end for end in ends if end is not None]
    if not locked:
        return None
    return Lockout(retry_after=max(1, math.ceil(max(locked) - now)))


def count_failure(request: HttpRequest, email: str) -> bool:
    """Count one failed sign-in; True when it is the one that locks the account.

    Each bucket is counted in two windows, the second half a period out of step, so that
    guesses on both sides of one window's edge still land together in the other. The
    failure that fills either starts a lock of one whole period from now."""
    now = time.time()
    locked_account = False
    for index, (name, rate) in enumerate(_buckets(request, email)):
        counts = (
            hit(name, rate, now).count,
            hit(f"{name}:offset", rate, now + rate.period / 2).count,
        )
        if max(counts) >= rate.limit:
            hold(f"{name}:lock", now + rate.period, now)
            # Told once: by the failure that brought a count to the limit (counts are atomic,
            # so concurrent failures never both see it).
            locked_account = locked_account or (index == 0 and rate.limit in counts)
    return locked_account
