"""Redis stops mid-test: the API keeps answering (rate limits fail open, with a warning),
or answers 503 JSON when told to refuse; and it counts again once Redis is back."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiClient

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs redis-server (scripts/with-redis)"
)


class ThrowawayRedis:
    """A redis-server of our own, which the test may stop and start again on one port."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def redis_server(tmp_path: Path, settings: Any) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
        }
    }
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


def test_redis_down_fails_open_with_a_warning_and_recovers(
    redis_server: ThrowawayRedis, owner_key: Any, settings: Any, caplog: Any
) -> None:
    settings.API_RATE_LIMIT = "5/min"
    client = ApiClient(owner_key[1])
    assert client.get("/api/v1/whoami")["X-RateLimit-Remaining"] == "4"

    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="keyward.ratelimit"):
        answers = [client.get("/api/v1/whoami") for _ in range(8)]  # more than the limit
        anonymous = ApiClient().get("/api/v1/whoami")
    assert [r.status_code for r in answers] == [200] * 8
    assert anonymous.status_code == 401 and anonymous["Content-Type"] == "application/json"
    assert all(r["X-RateLimit-Limit"] == "5" for r in answers)

    redis_server.start()
    assert client.get("/api/v1/whoami")["X-RateLimit-Remaining"] == "4"  # a fresh server


def test_redis_down_warns_in_the_log(
    redis_server: ThrowawayRedis, owner_key: Any, caplog: Any
) -> None:
    import core.ratelimit

    core.ratelimit._last_warning = 0.0
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="keyward.ratelimit"):
        assert ApiClient(owner_key[1]).get("/api/v1/whoami").status_code == 200
    assert any("rate-limit store unavailable" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "headers",
    [pytest.param({}, id="no-key"), pytest.param({"keyed": True}, id="with-key")],
)
def test_redis_down_with_refuse_answers_503_json(
    redis_server: ThrowawayRedis, owner_key: Any, settings: Any, headers: dict[str, Any]
) -> None:
    settings.RATE_LIMIT_ON_CACHE_ERROR = "refuse"
    settings.OUTAGE_RETRY_AFTER = 15
    redis_server.stop()
    client = ApiClient(owner_key[1]) if headers else ApiClient()
    response = client.get("/api/v1/whoami")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response["Retry-After"] == "15"


def round_trips(monkeypatch: Any) -> list[int]:
    """Counts what the Redis client sends: one call per round trip (a script is one)."""
    import redis.connection

    sent = [0]
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self: Any, command: Any, check_health: bool = True) -> None:
        sent[0] += 1
        original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


def test_a_known_key_costs_one_redis_round_trip(
    redis_server: ThrowawayRedis, owner_key: Any, monkeypatch: Any
) -> None:
    client = ApiClient(owner_key[1])
    assert client.get("/api/v1/whoami").status_code == 200  # first use: learns the secret
    ApiClient().get("/api/v1/whoami")  # loads the per-IP script (once per Redis server)
    sent = round_trips(monkeypatch)
    for _ in range(5):
        assert client.get("/api/v1/whoami").status_code == 200
    assert sent[0] == 5
    assert ApiClient().get("/api/v1/whoami").status_code == 401
    assert sent[0] == 6  # a call without a key: one, for its IP
