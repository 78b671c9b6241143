"""Helpers for the concurrency tests: the marks every module carries, and a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

# Each module: these marks (SQLite serialises writers, so there is no race to test there).
POSTGRES_ONLY = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only: SQLite serialises writers, so there is no race to test",
    ),
]


def together(workers: list[Callable[[], None]], timeout: float = 120) -> list[BaseException]:
    """Run each worker in its own thread, all released at once by a barrier; each thread
    closes its database connection at the end. Returns the exceptions the workers raised."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout)
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,), daemon=True) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if any(thread.is_alive() for thread in threads):
        errors.append(TimeoutError(f"a worker ran longer than {timeout} s"))
    return errors
