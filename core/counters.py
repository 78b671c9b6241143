"""Atomic fixed-window counters (and the locks the sign-in throttle sets) on the shared
store: Redis, or the database.

Each operation is one atomic step on the store, so processes and threads never lose each
other's counts and never read a count that another request is about to raise:

- on Redis, one Lua script per call: one round trip, atomic on the server;
- on the database, one `INSERT … ON CONFLICT DO UPDATE … RETURNING` per counter (PostgreSQL,
  and SQLite 3.35+): the row lock makes concurrent increments queue, never overwrite.

A counter's name has no window in it; the row (or key) carries the window it counts, and a
count from an older window starts again at 1.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import redis
from django.conf import settings
from django.db import DatabaseError, connection

# Store trouble the rate limiter survives (it fails open, or answers 503).
STORE_ERRORS: tuple[type[Exception], ...] = (redis.RedisError, DatabaseError, OSError)

# KEYS[1] the counter; ARGV[1] its lifetime in seconds. Returns the new count.
INCR_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""

# The gate in front of the key lookup. KEYS[1] the secret's marker (set once that secret
# authenticated in the last minute; its value is "key id:rate period"), KEYS[2] the client
# IP's failure counter. ARGV: the failure counter's lifetime, the Unix time.
# A known secret counts against its key; an unknown one reserves a failure first.
GATE_SCRIPT = """
local marker = redis.call('GET', KEYS[1])
if marker then
  local id, period = string.match(marker, '^(%d+):(%d+)$')
  local window = math.floor(tonumber(ARGV[2]) / tonumber(period))
  local name = 'rl:key:' .. id .. ':' .. period .. ':' .. window
  local count = redis.call('INCR', name)
  if count == 1 then redis.call('EXPIRE', name, tonumber(period) + 5) end
  return {1, count, marker}
end
local failures = redis.call('INCR', KEYS[2])
if failures == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return {0, failures, ''}
"""

# After an unknown secret authenticated: remember it, give back the failure it reserved, and
# count the request against its key. KEYS[1] marker, KEYS[2] failure counter, KEYS[3] key
# counter; ARGV: the marker's value, its lifetime, the key counter's lifetime.
LEARN_SCRIPT = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
local failures = tonumber(redis.call('GET', KEYS[2]) or '0')
if failures > 0 then redis.call('DECR', KEYS[2]) end
local count = redis.call('INCR', KEYS[3])
if count == 1 then redis.call('EXPIRE', KEYS[3], ARGV[3]) end
return count
"""

MARKER_SECONDS = 60


@dataclass(frozen=True)
class Bucket:
    """One counter in its current window: `name` has no window in it; `end` is Unix time."""

    name: str
    window: int
    end: int

    @classmethod
    def of(cls, name: str, period: int, now: float) -> Bucket:
        window = int(now // period)
        return cls(name=f"{name}:{period}", window=window, end=(window + 1) * period)

    @property
    def redis_name(self) -> str:
        return f"rl:{self.name}:{self.window}"

    def ttl(self, now: float) -> int:
        return max(math.ceil(self.end - now), 1) + 5


def key_bucket(key_id: int, period: int, now: float) -> Bucket:
    return Bucket.of(f"key:{key_id}", period, now)


def marker_name(secret_digest: str) -> str:
    """A store name for a key's secret that reveals nothing about the stored digest."""
    return "rl:known:" + hashlib.sha256(secret_digest.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Known:
    """A secret that authenticated in the last minute: its key, and that key's count."""

    key_id: int
    period: int
    count: int


class Store(Protocol):
    """What the rate limiter needs from a shared store; each method is one atomic step."""

    def incr(self, bucket: Bucket, now: float) -> int:
        """Count one request; the new count."""

    def hold(self, name: str, until: int, now: float) -> None:
        """Set a lock that ends at Unix time `until`, replacing any lock of that name."""

    def held(self, name: str, now: float) -> int | None:
        """When the lock `name` ends, if it is still on."""

    def gate(self, marker: str, failures: Bucket, now: float) -> Known | int:
        """A secret seen to authenticate in the last minute counts against its key. Any
        other reserves a failure before its lookup: the IP's failure count."""

    def learn(self, marker: str, failures: Bucket, key: Bucket, key_id: int, now: float) -> int:
        """After a first success: remember the secret, give back its reserved failure, count
        the request against its key; the key's count."""


def _period(bucket: Bucket) -> int:
    return int(bucket.name.rsplit(":", 1)[-1])


class RedisStore:
    """Counters on Redis: every call is one Lua script, so one round trip."""

    def __init__(self, url: str) -> None:
        # Short timeouts: a Redis that hangs must not hold every API request.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self._incr = self.client.register_script(INCR_SCRIPT)
        self._gate = self.client.register_script(GATE_SCRIPT)
        self._learn = self.client.register_script(LEARN_SCRIPT)

    def incr(self, bucket: Bucket, now: float) -> int:
        return int(self._incr(keys=[bucket.redis_name], args=[bucket.ttl(now)]))

    def hold(self, name: str, until: int, now: float) -> None:
        self.client.set(f"rl:hold:{name}", until, ex=max(math.ceil(until - now), 1))

    def held(self, name: str, now: float) -> int | None:
        until = self.client.get(f"rl:hold:{name}")
        return int(until) if until is not None and int(until) > now else None

    def gate(self, marker: str, failures: Bucket, now: float) -> Known | int:
        known, count, value = self._gate(
            keys=[marker, failures.redis_name], args=[failures.ttl(now), int(now)]
        )
        if not known:
            return int(count)
        key_id, period = (int(part) for part in value.decode().split(":"))
        return Known(key_id=key_id, period=period, count=int(count))

    def learn(self, marker: str, failures: Bucket, key: Bucket, key_id: int, now: float) -> int:
        return int(
            self._learn(
                keys=[marker, failures.redis_name, key.redis_name],
                args=[f"{key_id}:{_period(key)}", MARKER_SECONDS, key.ttl(now)],
            )
        )


UPSERT = """
INSERT INTO core_ratecounter (name, window_end, count, value) VALUES (%s, %s, 1, '')
ON CONFLICT (name) DO UPDATE SET
  count = CASE WHEN core_ratecounter.window_end = excluded.window_end
               THEN core_ratecounter.count + 1 ELSE 1 END,
  window_end = excluded.window_end
RETURNING count
"""
GIVE_BACK = """
UPDATE core_ratecounter SET count = count - 1 WHERE name = %s AND window_end = %s AND count > 0
"""
MARKER_GET = "SELECT value FROM core_ratecounter WHERE name = %s AND window_end > %s"
MARKER_SET = """
INSERT INTO core_ratecounter (name, window_end, count, value) VALUES (%s, %s, 0, %s)
ON CONFLICT (name) DO UPDATE SET window_end = excluded.window_end, value = excluded.value
"""
PRUNE = "DELETE FROM core_ratecounter WHERE window_end < %s"


class DatabaseStore:
    """Counters in the `core_ratecounter` table, one atomic statement per counter."""

    @staticmethod
    def _upsert(cursor: Any, bucket: Bucket) -> int:
        cursor.execute(UPSERT, [bucket.name, bucket.end])
        return int(cursor.fetchone()[0])

    def incr(self, bucket: Bucket, now: float) -> int:
        with connection.cursor() as cursor:
            # Rows of clients long gone: cleared by about one request in a thousand.
            if random.random() < 0.001:  # noqa: S311 (not a secret)
                cursor.execute(PRUNE, [int(now) - 86400])
            return self._upsert(cursor, bucket)

    def hold(self, name: str, until: int, now: float) -> None:
        with connection.cursor() as cursor:
            cursor.execute(MARKER_SET, [f"hold:{name}", until, str(until)])

    def held(self, name: str, now: float) -> int | None:
        with connection.cursor() as cursor:
            cursor.execute(MARKER_GET, [f"hold:{name}", int(now)])
            row = cursor.fetchone()
            return int(row[0]) if row else None

    def gate(self, marker: str, failures: Bucket, now: float) -> Known | int:
        with connection.cursor() as cursor:
            cursor.execute(MARKER_GET, [marker, int(now)])
            row = cursor.fetchone()
            if row is None:
                return self._upsert(cursor, failures)
            key_id, period = (int(part) for part in row[0].split(":"))
            count = self._upsert(cursor, key_bucket(key_id, period, now))
            return Known(key_id=key_id, period=period, count=count)

    def learn(self, marker: str, failures: Bucket, key: Bucket, key_id: int, now: float) -> int:
        with connection.cursor() as cursor:
            value = f"{key_id}:{_period(key)}"
            cursor.execute(MARKER_SET, [marker, int(now) + MARKER_SECONDS, value])
            cursor.execute(GIVE_BACK, [failures.name, failures.end])
            return self._upsert(cursor, key)


@cache
def _redis_store(url: str) -> RedisStore:
    return RedisStore(url)


def redis_url() -> str | None:
    """The Redis the default cache uses, if it is Redis."""
    config = settings.CACHES["default"]
    if config["BACKEND"].endswith("RedisCache"):
        location = config["LOCATION"]
        return str(location[0] if isinstance(location, list | tuple) else location)
    return None


def store() -> Store:
    """Redis when the shared cache is Redis, else the database: never per-process memory."""
    url = redis_url()
    return _redis_store(url) if url else DatabaseStore()
