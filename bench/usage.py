"""What a usage read costs as executions pile up: `make bench-usage` (throwaway PostgreSQL).

Two tenants: one with 10,000 executions in the 30-day window and one with 1,000,000, made
with `INSERT … SELECT … generate_series` and one roll-up rebuild each. Interleaved rounds
of `GET /api/v1/usage` (in process, through authentication, scopes and rate limiting) for
each tenant, and beside them a naive GROUP BY over the raw executions for the same window.
Then ingest throughput: executions started and ended per second through `usage.rollups`
(roll-ups included), by one thread and by eight. Prints a table and writes
bench-results/usage.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("API_RATE_LIMIT", "100000000/min")  # measure reads, not the limiter

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q, Sum  # noqa: E402
from django.db.models.functions import TruncDate  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Tenant, User  # noqa: E402
from apikeys.models import Kind, create_key  # noqa: E402
from usage import executions, rollups, stats  # noqa: E402
from usage.flows import create_flow  # noqa: E402
from usage.models import COUNTS_AS_FAILED, ENDED, IN_FLIGHT, DailyUsage, Execution  # noqa: E402

SIZES = {"10k": 10_000, "1M": 1_000_000}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
PER_ROUND = int(os.environ.get("BENCH_REQUESTS", "40"))
NAIVE_ROUNDS = int(os.environ.get("BENCH_NAIVE_ROUNDS", "5"))
INGEST_RUNS = int(os.environ.get("BENCH_INGEST_RUNS", "2000"))

GENERATE = """
INSERT INTO usage_execution
    (public_id, tenant_id, flow_id, key_id, status, started_at, ended_at, duration_ms,
     ended_while_compensating)
SELECT 'exe_' || %(tag)s || '_' || g,
       %(tenant)s,
       (%(flows)s::bigint[])[1 + mod(g, 3)],
       CASE WHEN mod(g, 5) = 0 THEN NULL ELSE (%(keys)s::bigint[])[1 + mod(g, 2)] END,
       s.status,
       t.started_at,
       CASE WHEN s.status = 'running' THEN NULL
            ELSE t.started_at + make_interval(secs => mod(g, 600)) END,
       CASE WHEN s.status = 'running' THEN NULL ELSE mod(g, 600) * 1000 END,
       false
FROM generate_series(1, %(n)s) AS g,
     LATERAL (SELECT now() - interval '1 hour' - (g::float8 / %(n)s) * interval '28 days'
              AS started_at) AS t,
     LATERAL (SELECT CASE WHEN mod(g, 31) = 0 THEN 'failed'
                          WHEN mod(g, 1009) = 0 THEN 'running'
                          ELSE 'succeeded' END AS status) AS s
"""


def make_tenant(label: str, n: int) -> tuple[Tenant, str, float, float]:
    """A tenant with `n` executions in the window; returns its key and the seconds spent
    generating the rows and rebuilding the roll-ups."""
    tenant = Tenant.objects.create(name=f"Bench {label}", slug=f"bench-{label.lower()}")
    user = User.objects.create_user(f"bench-{label.lower()}@bench.test", "x")
    Membership.objects.create(user=user, tenant=tenant, role="owner")
    flows = [create_flow(tenant, f"Flow {i}").pk for i in range(3)]
    keys = [create_key(tenant=tenant, kind=Kind.TEAM, name=f"k{i}")[0].pk for i in range(2)]
    _key, raw = create_key(tenant=tenant, kind=Kind.USER, user=user, name="reader")
    began = time.perf_counter()
    with connection.cursor() as cursor:
        params: dict[str, Any] = {
            "tag": label,
            "tenant": tenant.pk,
            "flows": flows,
            "keys": keys,
            "n": n,
        }
        cursor.execute(GENERATE, params)
        cursor.execute("ANALYZE usage_execution")
    generated = time.perf_counter() - began
    began = time.perf_counter()
    rollups.rebuild(tenant)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE usage_dailyusage")
    rebuilt = time.perf_counter() - began
    return tenant, raw, generated, rebuilt


def settle() -> None:
    """Let PostgreSQL finish the bulk load's background work (autovacuum, dirty buffers)
    before anything is timed, so that it does not land on one tenant's rounds."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE usage_execution")
        cursor.execute("VACUUM ANALYZE usage_dailyusage")
        cursor.execute("CHECKPOINT")


def naive(tenant: Tenant) -> list[dict[str, Any]]:
    """What the page would cost without roll-ups: GROUP BY day over the raw executions."""
    today = stats.today_in(tenant.time_zone, timezone.now())
    start, _ = stats.window_bounds(today, stats.DEFAULT_DAYS)
    return list(
        Execution.objects.for_tenant(tenant)
        .annotate(day=TruncDate("started_at", tzinfo=tenant.tzinfo))
        .filter(day__gte=start)
        .values("day")
        .annotate(
            succeeded=Count("id", filter=Q(status="succeeded")),
            failed=Count("id", filter=Q(status__in=COUNTS_AS_FAILED)),
            in_flight=Count("id", filter=Q(status__in=IN_FLIGHT)),
            ended=Count("id", filter=Q(status__in=ENDED)),
            duration=Sum("duration_ms"),
        )
        .order_by()
    )


def per_call(fn: Callable[[], Any], n: int) -> float:
    began = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - began) / n * 1e6


def ingest(tenant: Tenant, threads: int, runs: int) -> float:
    """Executions started and ended per second through usage.rollups, roll-ups included."""
    flow = create_flow(tenant, f"Ingest {threads}")

    def work() -> None:
        try:
            for _ in range(runs // threads):
                execution = executions.start(flow)
                executions.change_status(execution, "succeeded")
        finally:
            connection.close()

    began = time.perf_counter()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (runs // threads * threads) / (time.perf_counter() - began)


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("bench/usage.py needs PostgreSQL: run it through scripts/with-postgres")
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    setup: dict[str, tuple[Tenant, str, float, float]] = {}
    for label, n in SIZES.items():
        setup[label] = make_tenant(label, n)
        print(
            f"{label}: {n:,} executions generated in {setup[label][2]:.1f} s, "
            f"roll-ups rebuilt in {setup[label][3]:.2f} s",
            flush=True,
        )

    settle()
    clients = {
        label: Client(HTTP_AUTHORIZATION=f"Bearer {raw}") for label, (_t, raw, *_r) in setup.items()
    }
    api: dict[str, list[float]] = {label: [] for label in SIZES}
    direct: dict[str, list[float]] = {label: [] for label in SIZES}
    for label, client in clients.items():  # warm up, and check the answer
        data = client.get("/api/v1/usage").json()
        assert data["cards"]["executions"] == SIZES[label], data["cards"]
    for _ in range(ROUNDS):
        for label, client in clients.items():
            api[label].append(per_call(partial(client.get, "/api/v1/usage"), PER_ROUND))
            direct[label].append(per_call(partial(rollups.read, setup[label][0]), PER_ROUND))
    naive_us: dict[str, list[float]] = {label: [] for label in SIZES}
    for _ in range(NAIVE_ROUNDS):
        for label in SIZES:
            naive_us[label].append(per_call(partial(naive, setup[label][0]), 1))
    rows = {label: DailyUsage.objects.for_tenant(setup[label][0]).count() for label in SIZES}

    ingest_tenant = Tenant.objects.create(name="Bench ingest", slug="bench-ingest")
    throughput = {threads: ingest(ingest_tenant, threads, INGEST_RUNS) for threads in (1, 8)}
    report(api, direct, naive_us, rows, setup, throughput)


def report(
    api: dict[str, list[float]],
    direct: dict[str, list[float]],
    naive_us: dict[str, list[float]],
    rows: dict[str, int],
    setup: dict[str, tuple[Tenant, str, float, float]],
    throughput: dict[int, float],
) -> None:
    pg_major = connection.pg_version // 10000  # type: ignore[attr-defined]
    med = {k: statistics.median(v) for k, v in api.items()}
    naive_ratio = statistics.median(naive_us["1M"]) / statistics.median(naive_us["10k"])
    lines = [
        "| tenant | executions in window | roll-up rows | GET /api/v1/usage (median µs) "
        "| rollups.read() (µs) | naive GROUP BY on executions (µs) | roll-up rebuild (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, n in SIZES.items():
        lines.append(
            f"| {label} | {n:,} | {rows[label]:,} | {med[label]:,.0f} "
            f"| {statistics.median(direct[label]):,.0f} "
            f"| {statistics.median(naive_us[label]):,.0f} | {setup[label][3]:.2f} |"
        )
    ratio = med["1M"] / med["10k"]
    verdict = "met" if ratio <= 1.2 else "NOT met"
    lines += [
        "",
        f"1M / 10k usage read: **{ratio:.2f}x** (goal ≤ 1.2x: {verdict}).",
        f"Naive GROUP BY, 1M / 10k: {naive_ratio:.0f}x.",
        "",
        "| ingest (start + end, roll-ups included) | executions / s |",
        "|---|---:|",
        *(
            f"| {t} thread{'s' if t > 1 else ''}, one flow (one hot roll-up row) | {v:,.0f} |"
            for t, v in throughput.items()
        ),
        "",
        f"{ROUNDS} interleaved rounds of {PER_ROUND} requests per tenant; naive query "
        f"{NAIVE_ROUNDS} rounds; ingest {INGEST_RUNS:,} executions per setting. "
        f"PostgreSQL {pg_major} (throwaway cluster, fsync off), "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs.",
    ]
    text = "\n".join(lines)
    print("\n" + text)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "usage.md").write_text("# Usage benchmark\n\n" + text + "\n")


if __name__ == "__main__":
    main()
