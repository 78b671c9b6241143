"""/healthz and /readyz, and the one structured log line per request."""

from __future__ import annotations

import json
import logging
from typing import Any

from core.logs import JsonFormatter
from tests.api.conftest import ApiClient


def test_healthz_answers_without_the_database(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_database_cache_and_migrations(db: None, client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert set(checks) == {"database", "cache", "migrations"}
    assert all(value.startswith("ok") for value in checks.values())


def test_one_json_line_per_request_with_tenant_and_key_never_the_raw_key(
    owner_key: Any, tenant: Any, caplog: Any
) -> None:
    key, raw = owner_key
    with caplog.at_level(logging.INFO, logger="keyward.request"):
        ApiClient(raw).get("/api/v1/whoami?debug=" + raw)
    (record,) = [r for r in caplog.records if r.name == "keyward.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["method"] == "GET" and line["path"] == "/api/v1/whoami"
    assert line["status"] == 200 and line["duration_ms"] >= 0
    assert (line["tenant"], line["key"]) == (tenant.slug, key.public_id)
    assert raw not in json.dumps(line) and raw not in record.getMessage()
