"""PostgreSQL concurrency: threads released together by a barrier, each with its own
database connection, talking to the REST API through Django's test client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections


@pytest.fixture(autouse=True)
def _unthrottled(settings: Any) -> None:
    """Rate limiting is not what these tests measure."""
    settings.API_RATE_LIMIT = "1000000/min"
    settings.AUTH_FAILURE_RATE_LIMIT = "1000000/min"
    settings.ANON_RATE_LIMIT = "1000000/min"


@pytest.fixture(autouse=True)
def _keep_thread_connections() -> Iterator[None]:
    """The test client detaches `close_old_connections` around each request by disconnecting
    the signal receiver globally; with several threads doing so at once, one thread's
    reconnect lets another's request close its connection mid-test. Detach it once here."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
