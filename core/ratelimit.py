"""Fixed-window rate limits on the shared store (Redis, else the database).

Four buckets: per API key (API_RATE_LIMIT, or the tenant's own `rate_limit`), per client
IP for every /api/ call that did not authenticate with a key (ANON_RATE_LIMIT), per client
IP for failed authentications (AUTH_FAILURE_RATE_LIMIT), and per client IP for the schema
and its docs page (DOCS_RATE_LIMIT, generous: a browser fetches them, not a program).

Every count is one atomic step on the store (`core.counters`) taken *before* the decision:
count first, compare after, so concurrent requests can never all see room that only one
of them has. A secret that authenticated in the last minute counts against its key in the
same round trip as its failure check; an unknown one reserves a failure before the key
lookup and gives it back when it turns out good.

When the store is down the limiter fails open with a warning (RATE_LIMIT_ON_CACHE_ERROR=
allow, the default) or answers 503 (refuse).
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core import counters
from core.api.exceptions import ApiError, error_body
from core.network import client_ip

logger = logging.getLogger("keyward.ratelimit")

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
REQUEST_ATTR = "rate_limit"
DOCS_PATHS = ("/api/schema/", "/api/docs/")
WARN_EVERY = 10.0  # seconds between two warnings of one outage, per process


@dataclass(frozen=True)
class Rate:
    """A number of requests per period, parsed from text like `60/min`."""

    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        return _parse_rate(text)


@functools.lru_cache(maxsize=256)
def _parse_rate(text: str) -> Rate:
    """Rates are read from settings and tenants on every request: parsed once each."""
    count, _, unit = text.strip().partition("/")
    if unit not in PERIODS or not count.isdigit() or int(count) < 1:
        raise ValueError(f"Not a rate: {text!r} (use e.g. 60/min)")
    return Rate(limit=int(count), period=PERIODS[unit])


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


class RateLimitUnavailable(ApiError):
    """503: the counters' store is down and RATE_LIMIT_ON_CACHE_ERROR=refuse."""

    def __init__(self) -> None:
        super().__init__(
            "Rate limiting is unavailable; try again shortly.", "service_unavailable", 503
        )
        self.wait = settings.OUTAGE_RETRY_AFTER  # DRF's handler turns `wait` into Retry-After


_last_warning = 0.0


def store_failed(error: Exception) -> None:
    """Fail open with a warning (at most one every few seconds), or refuse with a 503."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY:
        _last_warning = now
        logger.warning("rate-limit store unavailable (%s): %s", type(error).__name__, error)
    if settings.RATE_LIMIT_ON_CACHE_ERROR == "refuse":
        raise RateLimitUnavailable() from error


def _window(rate: Rate, count: int, bucket: counters.Bucket) -> Window:
    return Window(limit=rate.limit, count=count, reset=bucket.end)


def unmetered(rate: Rate, now: float) -> Window:
    """What the headers say while the store is down: the limit, nothing counted."""
    bucket = counters.Bucket.of("-", rate.period, now)
    return Window(limit=rate.limit, count=0, reset=bucket.end)


def hit(name: str, rate: Rate, now: float | None = None) -> Window:
    """Count one request in the bucket's current window (one atomic step on the store)."""
    now = time.time() if now is None else now
    bucket = counters.Bucket.of(name, rate.period, now)
    try:
        count = counters.store().incr(bucket, now)
    except counters.STORE_ERRORS as error:
        store_failed(error)
        return unmetered(rate, now)
    return _window(rate, count, bucket)


def hold(name: str, until: float, now: float | None = None) -> None:
    """Lock `name` until Unix time `until` (a store outage sets nothing)."""
    now = time.time() if now is None else now
    try:
        counters.store().hold(name, math.ceil(until), now)
    except counters.STORE_ERRORS as error:
        store_failed(error)


def held_until(name: str, now: float | None = None) -> int | None:
    """When the lock `name` ends, if it is on (a store outage reads as no lock)."""
    now = time.time() if now is None else now
    try:
        return counters.store().held(name, now)
    except counters.STORE_ERRORS as error:
        store_failed(error)
        return None


def key_rate(tenant_rate: str) -> Rate:
    return Rate.parse(tenant_rate or settings.API_RATE_LIMIT)


def anon_rate() -> Rate:
    return Rate.parse(settings.ANON_RATE_LIMIT)


def failure_rate() -> Rate:
    return Rate.parse(settings.AUTH_FAILURE_RATE_LIMIT)


def docs_rate() -> Rate:
    return Rate.parse(settings.DOCS_RATE_LIMIT)


def remember(request: HttpRequest, window: Window) -> None:
    """Keep the window on the Django request, so the middleware can write its headers."""
    setattr(request, REQUEST_ATTR, window)


def raise_if_exceeded(window: Window) -> None:
    if window.exceeded:
        raise Throttled(wait=window.retry_after(time.time()))


@dataclass(frozen=True)
class KeyGate:
    """The failure check in front of a key lookup, and what it already counted."""

    marker: str
    failures: counters.Bucket
    known: counters.Known | None
    now: float


def _failures_bucket(request: HttpRequest, now: float) -> counters.Bucket:
    return counters.Bucket.of(f"authfail:{client_ip(request) or '-'}", failure_rate().period, now)


def gate_key(request: HttpRequest, secret_digest: str) -> KeyGate | None:
    """Before the key lookup: a secret known good counts against its key; any other counts
    as a failure of its client IP first. Throttled when the IP is over its failure limit,
    so a flood of guesses never reaches the database. None when the store is down."""
    now = time.time()
    marker = counters.marker_name(secret_digest)
    failures = _failures_bucket(request, now)
    try:
        result = counters.store().gate(marker, failures, now)
    except counters.STORE_ERRORS as error:
        store_failed(error)
        return None
    if isinstance(result, counters.Known):
        return KeyGate(marker, failures, result, now)  # `charge_key` compares, after the lookup
    window = _window(failure_rate(), result, failures)
    remember(request, window)
    if window.exceeded:
        raise Throttled(wait=window.retry_after(now))
    return KeyGate(marker, failures, None, now)


def charge_key(request: HttpRequest, gate: KeyGate | None, key_id: int, rate: Rate) -> Window:
    """After a successful lookup: the key's window (counted by the gate when the secret was
    known; else counted now, giving back the failure the gate reserved)."""
    now = time.time() if gate is None else gate.now
    bucket = counters.key_bucket(key_id, rate.period, now)
    if gate is None:
        window = unmetered(rate, now)
        remember(request, window)
        return window
    known = gate.known
    if known is not None and known.key_id == key_id and known.period == rate.period:
        window = _window(rate, known.count, bucket)
    else:
        try:
            count = counters.store().learn(gate.marker, gate.failures, bucket, key_id, now)
        except counters.STORE_ERRORS as error:
            store_failed(error)
            count = 0
        window = _window(rate, count, bucket)
    remember(request, window)
    return window


def count_failure(request: HttpRequest, gate: KeyGate | None) -> None:
    """A refused key whose secret the gate took for known (it was revoked within the
    minute): count the failure it did not reserve."""
    if gate is not None and gate.known is not None:
        remember(request, hit(f"authfail:{client_ip(request) or '-'}", failure_rate()))


class KeyRateThrottle(BaseThrottle):
    """The per-key limit, in DRF's throttle hook: the request was counted against its key,
    atomically, while it authenticated (`charge_key`); this compares that count."""

    def allow_request(self, request: Request, view: object) -> bool:
        if getattr(request._request, "api_key", None) is None:
            return True  # not a keyed request: the middleware's per-IP limits apply
        self.window: Window | None = getattr(request._request, REQUEST_ATTR, None)
        return self.window is None or not self.window.exceeded

    def wait(self) -> float | None:
        return None if self.window is None else self.window.retry_after(time.time())


def charge_ip(request: HttpRequest) -> Window:
    """Count a call that did not authenticate with a key against its client IP (once)."""
    window = getattr(request, REQUEST_ATTR, None)
    if window is None:
        window = hit(f"anon:{client_ip(request) or '-'}", anon_rate())
        remember(request, window)
    return window


def carries_key(request: HttpRequest) -> bool:
    """Whether the request presents a key in our headers (a Bearer token or X-API-Key).
    Any other Authorization scheme is no key: such a call is limited per IP like one
    with no header at all."""
    if request.META.get("HTTP_X_API_KEY") is not None:
        return True
    authorization: str = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, _ = authorization.partition(" ")
    return scheme.lower() == "bearer"


def too_many(window: Window) -> JsonResponse:
    retry = window.retry_after(time.time())
    response = JsonResponse(
        error_body("rate_limited", f"Too many requests. Retry in {retry} seconds."), status=429
    )
    response["Retry-After"] = str(retry)
    return response


def unavailable() -> JsonResponse:
    response = JsonResponse(
        error_body("service_unavailable", "Rate limiting is unavailable; try again shortly."),
        status=503,
    )
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER)
    return response


class ApiRateLimitMiddleware:
    """Under /api/: limits the schema and docs per IP, and every call that presents no key
    per IP, before any view runs; writes X-RateLimit-* headers on every response (errors
    of earlier middleware included: it sits first). Keyed calls are counted per key, or
    per IP as failures, while they authenticate."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        try:
            window = self._before_view(request)
        except RateLimitUnavailable:
            return unavailable()
        if window is not None and window.exceeded:
            return self._with_headers(too_many(window), window)
        response = self.get_response(request)
        window = getattr(request, REQUEST_ATTR, None)
        if window is None and getattr(request, "api_key", None) is None:
            try:
                window = charge_ip(request)  # presented something, but never authenticated
            except RateLimitUnavailable:
                return unavailable()
        return self._with_headers(response, window) if window else response

    @staticmethod
    def _before_view(request: HttpRequest) -> Window | None:
        if request.path.startswith(DOCS_PATHS):
            window = hit(f"docs:{client_ip(request) or '-'}", docs_rate())
            remember(request, window)
            return window
        if not carries_key(request):
            return charge_ip(request)
        return None

    @staticmethod
    def _with_headers(response: HttpResponse, window: Window) -> HttpResponse:
        for name, value in window.headers().items():
            response[name] = value
        return response
