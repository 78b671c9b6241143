"""The database becomes unreachable: /api/ answers 503 JSON `service_unavailable` with
Retry-After, the console a plain 503 page, /readyz 503; no traceback anywhere.

On PostgreSQL the connection really is pointed at a port nobody listens on; on SQLite
(whose test database lives in memory and would not survive a reconnect) every statement
fails as a dropped connection does."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection

from tests.api.conftest import ApiClient


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def database_down() -> Iterator[None]:
    if connection.vendor == "postgresql":
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
        return

    def refuse(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def down_db(transactional_db: None, owner_key: Any) -> tuple[Any, str]:
    return owner_key


def test_the_api_answers_503_json_with_retry_after(down_db: Any, settings: Any) -> None:
    settings.OUTAGE_RETRY_AFTER = 20
    _, raw = down_db
    with database_down():
        response = ApiClient(raw, raise_request_exception=False).get("/api/v1/whoami")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response["Retry-After"] == "20"
    assert b"Traceback" not in response.content


def test_the_console_answers_a_plain_503_page(down_db: Any, client_for: Any, owner: Any) -> None:
    client = client_for(owner)
    client.raise_request_exception = False
    with database_down():
        response = client.get("/console/api-keys")
    assert response.status_code == 503
    assert b"temporarily unavailable" in response.content
    assert b"Traceback" not in response.content


def test_readyz_says_not_ready_and_healthz_still_answers(down_db: Any) -> None:
    with database_down():
        ready = ApiClient(raise_request_exception=False).get("/readyz")
        alive = ApiClient(raise_request_exception=False).get("/healthz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("unavailable")
    assert alive.status_code == 200


def test_the_api_recovers_when_the_database_is_back(down_db: Any) -> None:
    _, raw = down_db
    with database_down():
        ApiClient(raw, raise_request_exception=False).get("/api/v1/whoami")
    assert ApiClient(raw).get("/api/v1/whoami").status_code == 200


@pytest.mark.parametrize("path", ["/console/api-keys", "/api/v1/whoami"])
def test_with_debug_on_an_outage_in_a_middleware_is_still_a_503_without_traceback(
    down_db: Any, client_for: Any, owner: Any, settings: Any, path: str
) -> None:
    """DEBUG is the development default; Django's technical 500 page would show the
    traceback (and its settings) instead."""
    settings.DEBUG = True
    client = client_for(owner)
    client.raise_request_exception = False
    _, raw = down_db
    with database_down():
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 503
    assert response["Retry-After"] and response["X-Content-Type-Options"] == "nosniff"
    assert b"Traceback" not in response.content and b"settings" not in response.content.lower()
