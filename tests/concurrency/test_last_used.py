"""1,000 requests with one key inside a minute write its last use once: the database
counts every UPDATE of the key's row (a trigger), whichever thread sent it."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Tenant, User
from apikeys.models import ApiKey
from tests.api.conftest import ApiClient, mint
from tests.concurrency.helpers import POSTGRES_ONLY, together

pytestmark = POSTGRES_ONLY

REQUESTS = 1000
THREADS = 8
KEY_TABLE = ApiKey._meta.db_table
COUNT_ROW_WRITES = f"""
CREATE SEQUENCE keyward_test_key_writes;
CREATE FUNCTION keyward_test_count_key_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM nextval('keyward_test_key_writes'); RETURN NEW; END $$;
CREATE TRIGGER keyward_test_key_writes AFTER UPDATE ON {KEY_TABLE}
    FOR EACH ROW EXECUTE FUNCTION keyward_test_count_key_write();
"""
STOP_COUNTING = f"""
DROP TRIGGER IF EXISTS keyward_test_key_writes ON {KEY_TABLE};
DROP FUNCTION IF EXISTS keyward_test_count_key_write();
DROP SEQUENCE IF EXISTS keyward_test_key_writes;
"""


@pytest.fixture
def key_row_writes() -> Iterator[Callable[[], int]]:
    """How many times any row of the key table was updated since the fixture began."""
    with connection.cursor() as cursor:
        cursor.execute(COUNT_ROW_WRITES)

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_value, is_called FROM keyward_test_key_writes")
            last_value, is_called = cursor.fetchone()
        return last_value if is_called else 0

    try:
        yield count
    finally:
        with connection.cursor() as cursor:
            cursor.execute(STOP_COUNTING)


def test_a_thousand_concurrent_requests_in_a_minute_write_last_used_once(
    tenant: Tenant, owner: User, key_row_writes: Callable[[], int]
) -> None:
    key, raw = mint(tenant, owner, name="busy key")
    assert key.last_used_at is None
    numbers = itertools.count()
    statuses: list[int] = []
    updates_sent: list[int] = []  # rows matched by each UPDATE of the key table, any thread

    def spy(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.startswith(f'UPDATE "{KEY_TABLE}"'):
            updates_sent.append(context["cursor"].rowcount)
        return result

    def authenticate() -> None:
        client = ApiClient(raw, REMOTE_ADDR="198.51.100.9")
        with connection.execute_wrapper(spy):
            while next(numbers) < REQUESTS:
                statuses.append(client.get("/api/v1/whoami").status_code)

    began, clock = time.monotonic(), timezone.now()
    errors = together([authenticate] * THREADS)
    elapsed = time.monotonic() - began

    assert errors == []
    assert elapsed < 50, f"the burst took {elapsed:.0f} s: no longer inside one minute"
    assert statuses == [200] * REQUESTS
    assert key_row_writes() == 1
    assert sum(updates_sent) == 1  # a stale reader's conditional UPDATE may match no row
    key.refresh_from_db()
    assert key.last_used_at is not None and clock <= key.last_used_at <= timezone.now()
    assert key.last_used_ip == "198.51.100.9"
