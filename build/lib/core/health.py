"""`/healthz`: the process answers. `/readyz`: it can serve (database and the rate-limit
store reachable, every migration applied); 503 otherwise. For load balancers and
orchestrators: JSON, no authentication, no rate limit, no session."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import counters

PROBE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, *counters.STORE_ERRORS)
_migrated = False  # once every migration is applied, it stays so for this process's code


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _store() -> str:
    url = counters.redis_url()
    if url is None:
        return "ok (database)"
    store = counters.store()
    assert isinstance(store, counters.RedisStore)
    store.client.ping()
    return "ok (redis)"


def _migrations() -> str:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return f"{len(pending)} pending"
        _migrated = True
    return "ok"


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    for name, probe in (("database", _database), ("cache", _store), ("migrations", _migrations)):
        try:
            checks[name] = probe()
        except PROBE_ERRORS as error:
            checks[name] = f"unavailable: {type(error).__name__}"
    ready = all(value.startswith("ok") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
