"""Bounded load on gunicorn: `make load-smoke` (10 s, part of `make test`) and `make bench` (60 s).

Run under `scripts/with-postgres scripts/with-redis --as-cache` (DATABASE_URL and REDIS_URL
set). Migrates, makes two tenants with two keys each (a user key and a team key, the
tenant's rate limit raised so the load is not throttled) and a flow per tenant, starts
gunicorn (2 sync workers, production settings) on a free port of 127.0.0.1, and runs a
bounded number of client threads for --seconds: each loop picks a key, invokes its
tenant's flow, ends the run as succeeded or failed, and now and then reads /api/v1/usage.
Every loop stops by itself (a deadline and a maximum count); gunicorn is always stopped.

Reports requests, errors (any non-2xx answer or exception), p50/p95 latency per endpoint
and throughput; then checks, per tenant, that the executions in the database, the daily
roll-ups and the client's own tally agree. Writes bench-results/load.md. Exits 1 on any
error or any difference.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
# One pepper for this process (which mints the keys) and gunicorn (which checks them).
os.environ.setdefault("APIKEY_PEPPER", "load-" + secrets.token_hex(16))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q, Sum  # noqa: E402

from accounts.models import Membership, Tenant, User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from apikeys.models import Kind, create_key  # noqa: E402
from usage import rollups  # noqa: E402
from usage.flows import create_flow  # noqa: E402
from usage.models import COUNTS_AS_FAILED, IN_FLIGHT, DailyUsage, Execution, Status  # noqa: E402

HOST = "127.0.0.1"
TENANTS = 2
KEYS_PER_TENANT = 2
USAGE_EVERY = 5  # about one loop in five also reads /api/v1/usage
REQUEST_TIMEOUT = 30.0
REPORT = ROOT / "bench-results" / "load.md"
ENDPOINTS = ("POST /flows/{id}/invoke", "PATCH /executions/{id}", "GET /usage")


@dataclass(frozen=True)
class Caller:
    """One key the clients use, with its tenant's flow."""

    tenant_slug: str
    raw: str
    flow: str


@dataclass
class Tally:
    """What the clients saw; one per thread, merged at the end (no locks while loading)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    invoked: Counter[str] = field(default_factory=Counter)
    ended: Counter[tuple[str, str]] = field(default_factory=Counter)
    loops: int = 0

    def merge(self, other: Tally) -> None:
        for name, values in other.latencies.items():
            self.latencies[name].extend(values)
        self.errors.update(other.errors)
        self.invoked.update(other.invoked)
        self.ended.update(other.ended)
        self.loops += other.loops


def require_services() -> None:
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing or connection.vendor != "postgresql":
        sys.exit(
            "load: run me under `scripts/with-postgres scripts/with-redis --as-cache` "
            f"(missing: {', '.join(missing) or 'a PostgreSQL DATABASE_URL'})"
        )


def prepare() -> list[Caller]:
    """Schema, cache table, tenants, keys and flows; returns the keys the clients use."""
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    tag = secrets.token_hex(3)
    callers = []
    for n in range(1, TENANTS + 1):
        tenant = Tenant.objects.create(
            name=f"Load {n}", slug=f"load-{n}-{tag}", rate_limit="100000/min"
        )
        owner = User.objects.create_user(f"owner-{n}-{tag}@load.test", secrets.token_hex(16))
        Membership.objects.create(user=owner, tenant=tenant, role=Role.OWNER)
        flow = create_flow(tenant, f"Load flow {n}")
        for k, kind in enumerate([Kind.USER, Kind.TEAM][:KEYS_PER_TENANT]):
            _, raw = create_key(
                tenant=tenant,
                kind=kind,
                user=owner if kind == Kind.USER else None,
                created_by=owner,
                name=f"load key {k}",
            )
            callers.append(Caller(tenant.slug, raw, flow.public_id))
    connection.close()
    return callers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def call(port: int, method: str, path: str, raw: str, body: Any = None) -> tuple[int, Any]:
    """One request on a fresh connection (gunicorn's sync workers close each one)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        headers = {"Authorization": f"Bearer {raw}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        text = response.read()
        return response.status, json.loads(text) if text else None
    finally:
        conn.close()


class Gunicorn:
    """gunicorn with 2 workers in production settings on 127.0.0.1; always stopped."""

    def __init__(self, port: int, workers: int) -> None:
        self.port = port
        self.workers = workers
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (read back on failure)
            prefix="keyward-gunicorn-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, probe_key: str) -> None:
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_MANIFEST": "false",
            "LOG_LEVEL": "WARNING",
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "config.wsgi", "-w", str(self.workers), "-b"]
        command += [f"{HOST}:{self.port}", "--graceful-timeout", "5", "--log-level", "warning"]
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.tail()}"
                )
            try:
                if call(self.port, "GET", "/api/v1/whoami", probe_key)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 30 s:\n{self.tail()}")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and workers
            process.wait(5)

    def tail(self, lines: int = 40) -> str:
        text = Path(self.log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def client(port: int, callers: list[Caller], seed: int, deadline: float, max_loops: int) -> Tally:
    """One client thread: loops until the deadline or max_loops, whichever comes first."""
    rng = random.Random(seed)  # noqa: S311 (a request mix, not a secret)
    tally = Tally()

    def timed(name: str, method: str, path: str, raw: str, body: Any = None) -> Any:
        began = time.perf_counter()
        try:
            status, data = call(port, method, path, raw, body)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            tally.errors[f"{name}: {type(exc).__name__}: {exc}"[:200]] += 1
            return None
        tally.latencies[name].append(time.perf_counter() - began)
        if not 200 <= status < 300:
            code = data.get("error", {}).get("code") if isinstance(data, dict) else None
            tally.errors[f"{name}: HTTP {status} {code or ''}".strip()] += 1
            return None
        return data

    while tally.loops < max_loops and time.monotonic() < deadline:
        tally.loops += 1
        caller = rng.choice(callers)
        run = timed(ENDPOINTS[0], "POST", f"/api/v1/flows/{caller.flow}/invoke", caller.raw)
        if run is None:
            continue
        tally.invoked[caller.tenant_slug] += 1
        target = rng.choice([Status.SUCCEEDED, Status.FAILED])
        ended = timed(
            ENDPOINTS[1], "PATCH", f"/api/v1/executions/{run['id']}", caller.raw, {"status": target}
        )
        if ended is not None:
            tally.ended[caller.tenant_slug, ended["status"]] += 1
        if rng.randrange(USAGE_EVERY) == 0:
            timed(ENDPOINTS[2], "GET", "/api/v1/usage?days=7", caller.raw)
    return tally


def load(port: int, callers: list[Caller], threads: int, seconds: float, max_loops: int) -> Tally:
    deadline = time.monotonic() + seconds
    results: list[Tally] = []
    lock = threading.Lock()

    def run(seed: int) -> None:
        tally = client(port, callers, seed, deadline, max_loops)
        with lock:
            results.append(tally)

    workers = [threading.Thread(target=run, args=(seed,), daemon=True) for seed in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        # A loop ends within one request timeout of the deadline; a thread still alive
        # after that is stuck, and counts as an error below.
        worker.join(seconds + 3 * REQUEST_TIMEOUT + 10)
    total = Tally()
    for tally in results:
        total.merge(tally)
    stuck = sum(worker.is_alive() for worker in workers)
    if stuck:
        total.errors[f"client threads still running after the deadline: {stuck}"] += stuck
    return total


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (q in 0..100), in milliseconds."""
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)) - 1, 0)
    return ordered[rank] * 1000


def counts(tenant: Tenant) -> dict[str, dict[str, int]]:
    """The tenant's runs counted three ways: execution rows and daily roll-ups."""
    rows = Execution.objects.for_tenant(tenant).aggregate(
        started=Count("id"),
        succeeded=Count("id", filter=Q(status=Status.SUCCEEDED)),
        failed=Count("id", filter=Q(status__in=COUNTS_AS_FAILED)),
        in_flight=Count("id", filter=Q(status__in=IN_FLIGHT)),
    )
    sums = DailyUsage.objects.for_tenant(tenant).aggregate(
        succeeded=Sum("succeeded"), failed=Sum("failed"), in_flight=Sum("in_flight"),
        ended=Sum("ended"),
    )  # fmt: skip
    sums = {name: int(value or 0) for name, value in sums.items()}
    rollup = {
        "started": sums["in_flight"] + sums["ended"],
        "succeeded": sums["succeeded"],
        "failed": sums["failed"],
        "in_flight": sums["in_flight"],
    }
    return {"executions": rows, "roll-ups": rollup}


def check(tally: Tally) -> tuple[list[str], list[str]]:
    """Markdown rows per tenant, and the differences found (none when nothing was lost)."""
    lines, problems = [], []
    for tenant in Tenant.objects.filter(slug__startswith="load-").order_by("slug"):
        seen = counts(tenant)
        slug = tenant.slug
        client_side = {
            "started": tally.invoked[slug],
            "succeeded": tally.ended[slug, Status.SUCCEEDED],
            "failed": tally.ended[slug, Status.FAILED],
            "in_flight": tally.invoked[slug]
            - tally.ended[slug, Status.SUCCEEDED]
            - tally.ended[slug, Status.FAILED],
        }
        seen["client"] = client_side
        for source, numbers in seen.items():
            cells = " | ".join(str(numbers[n]) for n in ("started", "succeeded", "failed"))
            lines.append(f"| {slug} | {source} | {cells} | {numbers['in_flight']} |")
        if not seen["executions"] == seen["roll-ups"] == client_side:
            problems.append(f"{slug}: counts differ: {seen}")
        stored = {(r.day, r.flow_id, r.key_ref, r.succeeded, r.failed, r.in_flight, r.ended,
                   r.duration_ms) for r in DailyUsage.objects.for_tenant(tenant)}  # fmt: skip
        again = {(r.day, r.flow_id, r.key_ref, r.succeeded, r.failed, r.in_flight, r.ended,
                  r.duration_ms) for r in rollups.recompute(tenant)}  # fmt: skip
        if stored != again:
            problems.append(f"{slug}: roll-up rows differ from their recomputation")
    return lines, problems


def report(
    args: argparse.Namespace, tally: Tally, elapsed: float, lines: list[str], problems: list[str]
) -> str:
    requests = sum(len(v) for v in tally.latencies.values()) + sum(tally.errors.values())
    errors = sum(tally.errors.values())
    out = [
        f"# Load: {args.seconds:g} s on gunicorn ({args.workers} workers), {args.threads} clients",
        "",
        f"PostgreSQL and Redis (cache) on {HOST}; {TENANTS} tenants x {KEYS_PER_TENANT} keys; "
        f"{os.cpu_count()} CPUs shared by server, database and clients.",
        "",
        f"- requests: {requests} in {elapsed:.1f} s ({requests / elapsed:.0f} requests/s)",
        f"- loops (invoke, end, sometimes read usage): {tally.loops}",
        f"- errors: {errors}",
        "",
        "| endpoint | requests | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in ENDPOINTS:
        values = tally.latencies.get(name, [])
        if values:
            p50, p95, top = percentile(values, 50), percentile(values, 95), max(values) * 1000
            out.append(f"| {name} | {len(values)} | {p50:.1f} | {p95:.1f} | {top:.1f} |")
        else:
            out.append(f"| {name} | 0 | - | - | - |")
    out += [
        "",
        "Runs counted per tenant: rows in usage_execution, the daily roll-ups, and the clients.",
        "",
        "| tenant | counted by | started | succeeded | failed | in flight |",
        "|---|---|---:|---:|---:|---:|",
        *lines,
        "",
    ]
    if tally.errors:
        out += ["Errors:", "", *(f"- {n} x {what}" for what, n in tally.errors.most_common(10))]
        out.append("")
    verdict = "OK: no errors, nothing lost." if not errors and not problems else "FAILED"
    out += [*(f"- {p}" for p in problems), verdict, ""]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10, help="how long the clients run")
    parser.add_argument("--threads", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--max-loops", type=int, default=100_000, help="per client thread, whatever the time"
    )
    args = parser.parse_args()
    require_services()
    callers = prepare()
    server = Gunicorn(free_port(), args.workers)
    try:
        server.start(callers[0].raw)
        began = time.monotonic()
        tally = load(server.port, callers, args.threads, args.seconds, args.max_loops)
        elapsed = time.monotonic() - began
    finally:
        server.stop()
    if tally.errors:
        print(f"gunicorn log (last lines):\n{server.tail()}", file=sys.stderr)
    Path(server.log.name).unlink(missing_ok=True)
    lines, problems = check(tally)
    text = report(args, tally, elapsed, lines, problems)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(text)
    print(text)
    print(f"load: report written to {REPORT.relative_to(ROOT)}")
    return 0 if not tally.errors and not problems and tally.loops else 1


if __name__ == "__main__":
    sys.exit(main())
