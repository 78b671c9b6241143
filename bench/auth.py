"""What key authentication costs: `make bench` (throwaway PostgreSQL and Redis).

Interleaved rounds on one small tenant-scoped endpoint (bench/urls.py), in process through
Django's test client: no authentication (baseline), Keyward's key authentication, DRF's
TokenAuthentication, djangorestframework-api-key, and Keyward counting its rate limits on
Redis. Prints a table of median µs per request, the ratio to the baseline, the time added
over the baseline, and SQL queries per request; writes bench-results/auth.md too.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
PER_ROUND = int(os.environ.get("BENCH_REQUESTS", "100"))


def setup() -> dict[str, tuple[str, dict[str, Any]]]:
    from rest_framework.authtoken.models import Token
    from rest_framework_api_key.models import APIKey

    from accounts.models import Membership, Tenant, User
    from apikeys.models import create_key
    from bench import urls

    call_command("migrate", verbosity=0)
    tenant, _ = Tenant.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    user, _ = User.objects.get_or_create(email="bench@bench.test")
    Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": "owner"})
    for n in range(20):
        create_key(tenant=tenant, kind="user", user=user, name=f"k{n}-{time.time_ns()}")
    _, raw = create_key(tenant=tenant, kind="user", user=user, name=f"bench {time.time_ns()}")
    _, restricted = create_key(
        tenant=tenant,
        kind="user",
        user=user,
        name=f"bench restricted {time.time_ns()}",
        allowed_ips=["10.0.0.0/8", "2001:db8::/32", "127.0.0.0/8"],
        flows=["flow_bench_a", "flow_bench_b"],
    )
    token, _ = Token.objects.get_or_create(user=user)
    _, drf_key = APIKey.objects.create_key(name="bench")
    urls.FIXED_TENANT.append(tenant)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # plan with statistics, as a live database would
    keyward = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return {
        "no authentication (baseline)": ("/none", {}),
        "Keyward key": ("/keyward", keyward),
        "Keyward key with an IP allowlist and a flow restriction": (
            "/keyward",
            {"HTTP_AUTHORIZATION": f"Bearer {restricted}"},
        ),
        "DRF TokenAuthentication": ("/token", {"HTTP_AUTHORIZATION": f"Token {token.key}"}),
        "djangorestframework-api-key": (
            "/drf-api-key",
            {"HTTP_AUTHORIZATION": f"Api-Key {drf_key}"},
        ),
        "Keyward key + its rate limit on Redis": ("/keyward", keyward),
        "DRF TokenAuthentication + DRF UserRateThrottle on the same Redis": (
            "/token-throttled",
            {"HTTP_AUTHORIZATION": f"Token {token.key}"},
        ),
    }


class LocalStore:
    """Counters in a dict: the rounds that do not measure Redis pay no store at all."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.known: dict[str, tuple[int, int]] = {}

    def incr(self, bucket: Any, now: float) -> int:
        self.counts[bucket.redis_name] = self.counts.get(bucket.redis_name, 0) + 1
        return self.counts[bucket.redis_name]

    def gate(self, marker: str, failures: Any, now: float) -> Any:
        from core import counters

        if marker in self.known:
            key_id, period = self.known[marker]
            count = self.incr(counters.key_bucket(key_id, period, now), now)
            return counters.Known(key_id=key_id, period=period, count=count)
        return self.incr(failures, now)

    def learn(self, marker: str, failures: Any, key: Any, key_id: int, now: float) -> int:
        self.known[marker] = (key_id, int(key.name.rsplit(":", 1)[-1]))
        self.counts[failures.redis_name] -= 1
        return self.incr(key, now)


LOCAL = LocalStore()


def use_redis(on: bool) -> None:
    """Keyward's counters on the benchmark's Redis, or in a dict."""
    from django.conf import settings

    from core import counters

    store: Any = counters.RedisStore(settings.CACHES["redis"]["LOCATION"]) if on else LOCAL
    counters.store = lambda: store


def round_trips(client: Client, path: str, headers: dict[str, Any]) -> int:
    """Commands sent to Redis for one request (a script or a pipeline is one)."""
    import redis.connection

    client.get(path, **headers)
    sent = [0]
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self: Any, command: Any, check_health: bool = True) -> None:
        sent[0] += 1
        original(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
    try:
        client.get(path, **headers)
    finally:
        redis.connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
    return sent[0]


def timed(client: Client, path: str, headers: dict[str, Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        response = client.get(path, **headers)
        samples.append((time.perf_counter_ns() - start) / 1000)
        assert response.status_code == 200, (path, response.status_code, response.content)
    return samples


def queries(client: Client, path: str, headers: dict[str, Any]) -> int:
    client.get(path, **headers)
    with CaptureQueriesContext(connection) as captured:
        client.get(path, **headers)
    return len(captured.captured_queries)


def main() -> None:
    variants = setup()
    client = Client()
    samples: dict[str, list[list[float]]] = {name: [] for name in variants}
    counts = {}
    trips = {}
    for name, (path, headers) in variants.items():  # warm up, count queries and round trips
        use_redis("Redis" in name)
        timed(client, path, headers, 50)
        counts[name] = queries(client, path, headers)
        trips[name] = round_trips(client, path, headers)
    for r in range(ROUNDS):
        order = list(variants.items())
        order = order[r % len(order) :] + order[: r % len(order)]  # rotate who goes first
        for name, (path, headers) in order:
            use_redis("Redis" in name)
            samples[name].append(timed(client, path, headers, PER_ROUND))
    use_redis(False)
    report(samples, counts, trips)


def paired(rounds: dict[str, list[float]], name: str, over: str) -> float:
    """The median over rounds of `name`'s added time divided by `over`'s, each round's own
    baseline subtracted: the rounds are seconds apart, so a slower minute of the machine
    slows both sides of each quotient alike."""
    base = rounds["no authentication (baseline)"]
    quotients = [
        (a - b) / (o - b)
        for a, o, b in zip(rounds[name], rounds[over], base, strict=True)
        if o - b > 0
    ]
    return statistics.median(quotients) if quotients else float("inf")


def report(
    samples: dict[str, list[list[float]]], counts: dict[str, int], trips: dict[str, int]
) -> None:
    medians = {
        name: statistics.median([v for chunk in chunks for v in chunk])
        for name, chunks in samples.items()
    }
    rounds = {
        name: [statistics.median(chunk) for chunk in chunks] for name, chunks in samples.items()
    }
    base = medians["no authentication (baseline)"]
    database = f"{connection.vendor} {getattr(connection, 'pg_version', '')}".strip()
    lines = [
        f"{ROUNDS} interleaved rounds x {PER_ROUND} requests per variant, in process "
        f"(Django test client), database {database}. Ratios are paired: the median over "
        "rounds of one round's added times.",
        "",
        "| variant | median µs/request | x baseline | added µs | SQL queries/request "
        "| Redis round trips/request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    base_queries = counts["no authentication (baseline)"]
    for name, median in medians.items():
        lines.append(
            f"| {name} | {median:.0f} | {median / base:.2f} | {median - base:.0f} | "
            f"{counts[name]} (+{counts[name] - base_queries}) | {trips[name]} |"
        )
    added_keyward = medians["Keyward key"] - base
    added_token = medians["DRF TokenAuthentication"] - base
    added_api_key = medians["djangorestframework-api-key"] - base
    ratio = paired(rounds, "Keyward key", "DRF TokenAuthentication")
    api_key_ratio = paired(rounds, "Keyward key", "djangorestframework-api-key")
    one_query = counts["Keyward key"] - base_queries == 1
    met = one_query and ratio <= 0.7 and api_key_ratio < 1
    lines += [
        "",
        f"Keyward adds {counts['Keyward key'] - base_queries} query and {added_keyward:.0f} µs; "
        f"TokenAuthentication adds {counts['DRF TokenAuthentication'] - base_queries} and "
        f"{added_token:.0f} µs: ratio {ratio:.2f}; djangorestframework-api-key adds "
        f"{added_api_key:.0f} µs: ratio {api_key_ratio:.2f} (goal: one query, ratio ≤ 0.70 "
        f"to TokenAuthentication, < 1 to djangorestframework-api-key): "
        f"{'MET' if met else 'NOT MET'}.",
    ]
    restricted = "Keyward key with an IP allowlist and a flow restriction"
    added_restricted = medians[restricted] - base
    restricted_ratio = paired(rounds, restricted, "Keyward key")
    restricted_met = counts[restricted] == counts["Keyward key"] and restricted_ratio <= 1.1
    lines += [
        f"A restricted key adds {counts[restricted] - base_queries} query and "
        f"{added_restricted:.0f} µs: {restricted_ratio:.2f}x an unrestricted key's added time "
        f"(goal ≤ 1.10, the same one query): {'MET' if restricted_met else 'NOT MET'}.",
    ]
    pair = "DRF TokenAuthentication + DRF UserRateThrottle on the same Redis"
    added_redis = medians["Keyward key + its rate limit on Redis"] - base
    added_pair = medians[pair] - base
    redis_ratio = paired(rounds, "Keyward key + its rate limit on Redis", pair)
    lines += [
        f"With rate limits on Redis: Keyward adds {added_redis:.0f} µs "
        f"({trips['Keyward key + its rate limit on Redis']} round trip), DRF's pair "
        f"{added_pair:.0f} µs ({trips[pair]} round trips): ratio {redis_ratio:.2f} "
        f"(goal ≤ 0.70): {'MET' if redis_ratio <= 0.7 else 'NOT MET'}.",
    ]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "auth.md").write_text("# Key authentication benchmark\n\n" + text + "\n")


if __name__ == "__main__":
    main()
