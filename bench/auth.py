"""What key authentication costs: `make bench` (throwaway PostgreSQL and Redis).

Interleaved rounds on one tenant-scoped list endpoint, in process through Django's test
client: no authentication (baseline), Keyward's key authentication, DRF's
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

from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
PER_ROUND = int(os.environ.get("BENCH_REQUESTS", "200"))


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
        "DRF TokenAuthentication": ("/token", {"HTTP_AUTHORIZATION": f"Token {token.key}"}),
        "djangorestframework-api-key": (
            "/drf-api-key",
            {"HTTP_AUTHORIZATION": f"Api-Key {drf_key}"},
        ),
        "Keyward key + rate limit on Redis": ("/keyward", keyward),
    }


def use_redis(on: bool) -> None:
    from core import ratelimit

    ratelimit.cache = caches["redis"] if on else caches["default"]  # type: ignore[attr-defined]


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
    samples: dict[str, list[float]] = {name: [] for name in variants}
    counts = {}
    for name, (path, headers) in variants.items():  # warm up, and count queries
        use_redis("Redis" in name)
        timed(client, path, headers, 50)
        counts[name] = queries(client, path, headers)
    for r in range(ROUNDS):
        order = list(variants.items())
        order = order[r % len(order) :] + order[: r % len(order)]  # rotate who goes first
        for name, (path, headers) in order:
            use_redis("Redis" in name)
            samples[name].extend(timed(client, path, headers, PER_ROUND))
    use_redis(False)
    report(samples, counts)


def report(samples: dict[str, list[float]], counts: dict[str, int]) -> None:
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["no authentication (baseline)"]
    database = f"{connection.vendor} {getattr(connection, 'pg_version', '')}".strip()
    lines = [
        f"{ROUNDS} interleaved rounds x {PER_ROUND} requests per variant, in process "
        f"(Django test client), database {database}.",
        "",
        "| variant | median µs/request | x baseline | added µs | SQL queries/request |",
        "|---|---:|---:|---:|---:|",
    ]
    base_queries = counts["no authentication (baseline)"]
    for name, median in medians.items():
        lines.append(
            f"| {name} | {median:.0f} | {median / base:.2f} | {median - base:.0f} | "
            f"{counts[name]} (+{counts[name] - base_queries}) |"
        )
    added_keyward = medians["Keyward key"] - base
    added_token = medians["DRF TokenAuthentication"] - base
    ratio = added_keyward / added_token if added_token > 0 else float("inf")
    one_query = counts["Keyward key"] - base_queries == 1
    met = one_query and ratio <= 0.9
    lines += [
        "",
        f"Keyward adds {counts['Keyward key'] - base_queries} query and {added_keyward:.0f} µs; "
        f"TokenAuthentication adds {counts['DRF TokenAuthentication'] - base_queries} and "
        f"{added_token:.0f} µs: ratio {ratio:.2f} (goal ≤ 0.90, one query): "
        f"{'MET' if met else 'NOT MET'}.",
    ]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "auth.md").write_text("# Key authentication benchmark\n\n" + text + "\n")


if __name__ == "__main__":
    main()
