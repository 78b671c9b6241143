"""Fixed-window rate limits on the shared cache.

The counters live in `django.core.cache.cache`: Redis when REDIS_URL is set, else the
database cache; never the per-process memory cache, so every worker counts together.
Each window has its own cache key (the window's number is part of the name), so a counter
never needs resetting: it simply expires after its window.

Three buckets: per API key (API_RATE_LIMIT, or the tenant's own `rate_limit`), per client
IP for unauthenticated calls (ANON_RATE_LIMIT), and per client IP for failed
authentications (AUTH_FAILURE_RATE_LIMIT), which is checked before any key lookup.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import Throttled

from core.api.exceptions import error_body
from core.network import client_ip

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
REQUEST_ATTR = "rate_limit"
KEY_HEADERS = ("HTTP_AUTHORIZATION", "HTTP_X_API_KEY")


@dataclass(frozen=True)
class Rate:
    """A number of requests per period, parsed from text like `60/min`."""

    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        count, _, unit = text.strip().partition("/")
        if unit not in PERIODS or not count.isdigit() or int(count) < 1:
            raise ValueError(f"Not a rate: {text!r} (use e.g. 60/min)")
        return cls(limit=int(count), period=PERIODS[unit])


@dataclass(frozen=True)
class Window:
    """Where one bucket stands in its current window."""

    limit: int
    count: int
    reset: int  # Unix time the window ends

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    def retry_after(self, now: float) -> int:
        return max(math.ceil(self.reset - now), 1)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def _bucket(name: str, rate: Rate, now: float) -> tuple[str, int]:
    number = int(now // rate.period)
    return f"rl:{name}:{rate.period}:{number}", (number + 1) * rate.period


def hit(name: str, rate: Rate, now: float | None = None) -> Window:
    """Count one request in the bucket's current window.

    `incr` is atomic on Redis (INCR), so processes never lose each other's counts; the
    first request of a window creates the counter with `add`, which only one process wins.
    """
    now = time.time() if now is None else now
    key, reset = _bucket(name, rate, now)
    timeout = rate.period + 5
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1 if cache.add(key, 1, timeout) else cache.incr(key)
    return Window(limit=rate.limit, count=count, reset=reset)


def peek(name: str, rate: Rate, now: float | None = None) -> Window:
    """Where the bucket stands, without counting."""
    now = time.time() if now is None else now
    key, reset = _bucket(name, rate, now)
    return Window(limit=rate.limit, count=int(cache.get(key, 0)), reset=reset)


def key_rate(tenant_rate: str) -> Rate:
    return Rate.parse(tenant_rate or settings.API_RATE_LIMIT)


def anon_rate() -> Rate:
    return Rate.parse(settings.ANON_RATE_LIMIT)


def failure_rate() -> Rate:
    return Rate.parse(settings.AUTH_FAILURE_RATE_LIMIT)


def remember(request: HttpRequest, window: Window) -> None:
    """Keep the window on the Django request, so the middleware can write its headers."""
    setattr(request, REQUEST_ATTR, window)


def raise_if_exceeded(window: Window) -> None:
    if window.exceeded:
        raise Throttled(wait=window.retry_after(time.time()))


def charge_ip(request: HttpRequest) -> Window:
    """Count an unauthenticated call against its client IP (once per request)."""
    window = getattr(request, REQUEST_ATTR, None)
    if window is None:
        window = hit(f"anon:{client_ip(request) or '-'}", anon_rate())
        remember(request, window)
    return window


def too_many(window: Window) -> JsonResponse:
    retry = window.retry_after(time.time())
    response = JsonResponse(
        error_body("rate_limited", f"Too many requests. Retry in {retry} seconds."), status=429
    )
    response["Retry-After"] = str(retry)
    return response


class ApiRateLimitMiddleware:
    """Under /api/: limits calls that present no key by client IP before any view runs, and
    writes X-RateLimit-* headers on every response. Keyed calls are counted per key by
    `ApiKeyAuthentication` once the key is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if not any(request.META.get(header) for header in KEY_HEADERS):
            window = charge_ip(request)
            if window.exceeded:
                return self._with_headers(too_many(window), window)
        response = self.get_response(request)
        window = getattr(request, REQUEST_ATTR, None) or charge_ip(request)
        return self._with_headers(response, window)

    @staticmethod
    def _with_headers(response: HttpResponse, window: Window) -> HttpResponse:
        for name, value in window.headers().items():
            response[name] = value
        return response
