"""Rate limits on the shared cache: per key, per IP without a key, per IP on failures."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apikeys import crypto
from core.ratelimit import Rate
from tests.api.conftest import ApiClient

NOW = datetime(2030, 1, 1, 12, 0, 10, tzinfo=UTC)  # 10 s into a minute window
WINDOW_END = int(datetime(2030, 1, 1, 12, 1, tzinfo=UTC).timestamp())
HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_every_api_response_carries_the_headers(owner_key):
    responses = [
        ApiClient(owner_key[1]).get("/api/v1/whoami"),  # 200
        ApiClient().get("/api/v1/whoami"),  # 401 missing
        ApiClient(crypto.generate("user")).get("/api/v1/whoami"),  # 401 invalid
        ApiClient(owner_key[1]).get("/api/v1/keys/key_nope"),  # 404
        ApiClient().get("/api/nowhere"),  # 404, no view
        ApiClient().get("/api/schema/"),
    ]
    for response in responses:
        assert all(response.has_header(h) for h in HEADERS), response
        assert int(response["X-RateLimit-Reset"]) == WINDOW_END


def test_key_limit_gives_429_with_retry_after(owner_key, settings):
    settings.API_RATE_LIMIT = "3/min"
    client = ApiClient(owner_key[1])
    remaining = [client.get("/api/v1/whoami")["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    response = client.get("/api/v1/whoami")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert response["Retry-After"] == "50"
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("3", "0")


def test_limit_is_per_key(owner_key, member_key, settings):
    settings.API_RATE_LIMIT = "1/min"
    assert ApiClient(owner_key[1]).get("/api/v1/whoami").status_code == 200
    assert ApiClient(owner_key[1]).get("/api/v1/whoami").status_code == 429
    assert ApiClient(member_key[1]).get("/api/v1/whoami").status_code == 200


def test_next_window_starts_afresh(owner_key, settings):
    settings.API_RATE_LIMIT = "1/min"
    ApiClient(owner_key[1]).get("/api/v1/whoami")
    assert ApiClient(owner_key[1]).get("/api/v1/whoami").status_code == 429
    with time_machine.travel(WINDOW_END + 1, tick=False):
        assert ApiClient(owner_key[1]).get("/api/v1/whoami").status_code == 200


def test_tenant_override_is_honoured(owner_key, tenant, settings):
    settings.API_RATE_LIMIT = "100/min"
    tenant.rate_limit = "2/min"
    tenant.save()
    client = ApiClient(owner_key[1])
    assert [client.get("/api/v1/whoami").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/whoami")["X-RateLimit-Limit"] == "2"


def test_anonymous_calls_are_limited_per_ip(db, settings):
    settings.ANON_RATE_LIMIT = "2/min"
    body = {"keys": [crypto.generate("user")]}
    here = ApiClient(REMOTE_ADDR="198.51.100.1")
    codes = [here.post_json("/api/v1/keys/leaked", body).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    assert here.post_json("/api/v1/keys/leaked", body)["Retry-After"] == "50"
    there = ApiClient(REMOTE_ADDR="198.51.100.2")
    assert there.post_json("/api/v1/keys/leaked", body).status_code == 202


def test_leak_reports_with_a_key_header_are_still_limited_per_ip(owner_key, settings):
    settings.ANON_RATE_LIMIT = "1/min"
    client = ApiClient(owner_key[1], REMOTE_ADDR="198.51.100.3")
    body = {"keys": [crypto.generate("user")]}
    assert client.post_json("/api/v1/keys/leaked", body).status_code == 202
    assert client.post_json("/api/v1/keys/leaked", body).status_code == 429


def test_failed_authentications_block_the_ip_before_any_lookup(owner_key, settings):
    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    for _ in range(3):
        response = ApiClient(crypto.generate("user")).get("/api/v1/whoami")
        assert response.status_code == 401
    with CaptureQueriesContext(connection) as captured:
        blocked = ApiClient(owner_key[1]).get("/api/v1/whoami")
    assert blocked.status_code == 429 and blocked["Retry-After"] == "50"
    assert not [q for q in captured.captured_queries if "apikeys_apikey" in q["sql"]]
    elsewhere = ApiClient(owner_key[1], REMOTE_ADDR="192.0.2.99").get("/api/v1/whoami")
    assert elsewhere.status_code == 200


def test_rate_parsing_refuses_nonsense():
    assert Rate.parse("600/min") == Rate(600, 60)
    assert Rate.parse("5000/hour") == Rate(5000, 3600)
    for bad in ("0/min", "ten/min", "5/fortnight", "5"):
        with pytest.raises(ValueError):
            Rate.parse(bad)


COUNTER = textwrap.dedent(
    """
    import django, sys
    django.setup()
    from core.ratelimit import Rate, hit
    allowed = sum(not hit("shared-test", Rate(12, 60), now=1_900_000_010).exceeded
                  for _ in range(10))
    print(allowed)
    """
)


@pytest.mark.skipif(
    not os.environ.get("TEST_REDIS_URL"),
    reason="needs TEST_REDIS_URL: run under scripts/with-redis (make test does)",
)
def test_two_processes_share_one_limit():
    """Two separate processes, 10 requests each, against one Redis and a limit of 12:
    exactly 12 pass in total, because INCR is atomic."""
    root = Path(__file__).resolve().parents[2]
    env = os.environ | {
        "REDIS_URL": os.environ["TEST_REDIS_URL"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(root),
    }
    import redis

    redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).flushdb()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTER], cwd=root, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    allowed = [int(p.communicate(timeout=60)[0].strip()) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(allowed) == 12, allowed


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-header"),
        pytest.param({"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}, id="basic-auth"),
        pytest.param({"HTTP_AUTHORIZATION": "Token abc"}, id="other-scheme"),
        pytest.param({"HTTP_COOKIE": "sessionid=x"}, id="a-cookie"),
    ],
)
def test_every_call_without_a_key_counts_against_the_ip(db, settings, headers):
    settings.ANON_RATE_LIMIT = "2/min"
    client = ApiClient(REMOTE_ADDR="198.51.100.7", **headers)
    codes = [client.get("/api/v1/whoami").status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_schema_and_docs_have_their_own_generous_limit(db, settings):
    settings.ANON_RATE_LIMIT = "1/min"
    settings.DOCS_RATE_LIMIT = "3/min"
    client = ApiClient(REMOTE_ADDR="198.51.100.8", HTTP_AUTHORIZATION="Basic eDp5")
    codes = [client.get(path).status_code for path in ["/api/schema/", "/api/docs/"] * 2]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/whoami").status_code == 401  # the API's own limit is apart


def test_a_bearer_key_does_not_bypass_the_docs_limit(owner_key, settings):
    settings.DOCS_RATE_LIMIT = "1/min"
    client = ApiClient(owner_key[1], REMOTE_ADDR="198.51.100.9")
    assert [client.get("/api/schema/").status_code for _ in range(2)] == [200, 429]


def test_errors_before_any_view_carry_the_headers(db):
    response = ApiClient().get("/api/v1/keys?name=%00")
    assert response.status_code == 400
    assert all(response.has_header(h) for h in HEADERS)
