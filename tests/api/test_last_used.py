"""Last use is written at most once a minute per key: a burst costs no extra writes."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apikeys.models import ApiKey
from tests.api.conftest import ApiClient


def key_updates(captured: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith('UPDATE "apikeys_apikey"') for q in captured.captured_queries)


def test_burst_writes_last_used_once_and_again_after_a_minute(owner_key):
    key, raw = owner_key
    client = ApiClient(raw, REMOTE_ADDR="203.0.113.7")
    start = timezone.now()
    with time_machine.travel(start, tick=False), CaptureQueriesContext(connection) as burst:
        for _ in range(10):
            assert client.get("/api/v1/whoami").status_code == 200
    assert key_updates(burst) == 1
    key.refresh_from_db()
    assert (key.last_used_at, key.last_used_ip) == (start, "203.0.113.7")

    later = time_machine.travel(start + timedelta(seconds=59), tick=False)
    with later, CaptureQueriesContext(connection) as within:
        client.get("/api/v1/whoami")
    assert key_updates(within) == 0

    later = time_machine.travel(start + timedelta(seconds=61), tick=False)
    with later, CaptureQueriesContext(connection) as after:
        client.get("/api/v1/whoami")
    assert key_updates(after) == 1
    assert ApiKey.objects.get(pk=key.pk).last_used_at == start + timedelta(seconds=61)


def test_concurrent_stale_reads_update_no_row_twice(owner_key):
    """Two requests that both read a stale value: the second UPDATE matches nothing."""
    from apikeys.authentication import touch

    key, _ = owner_key
    now = timezone.now()
    stale = ApiKey.objects.get(pk=key.pk)
    touch(ApiKey.objects.get(pk=key.pk), "192.0.2.1", now)
    with CaptureQueriesContext(connection) as second:
        touch(stale, "192.0.2.2", now + timedelta(seconds=1))
    assert key_updates(second) == 1  # issued, but conditional:
    assert ApiKey.objects.get(pk=key.pk).last_used_ip == "192.0.2.1"
