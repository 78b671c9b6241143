"""Concurrent execution changes on PostgreSQL lose no count (threads released together)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import make_tenant
from usage import executions
from usage.flows import create_flow
from usage.models import DailyUsage, Execution, Flow, Status

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
THREADS = 20


def together(work: Callable[[int], None]) -> list[BaseException]:
    """Run work(i) in THREADS threads released at once by a barrier; return their errors."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def busy_flow() -> Flow:
    return create_flow(make_tenant("Concurrent"), "Busy")


def test_concurrent_starts_of_one_bucket_lose_no_count(busy_flow: Flow) -> None:
    started = timezone.now() - timedelta(minutes=1)

    def start(i: int) -> None:
        executions.start(Flow.objects.get(pk=busy_flow.pk), started_at=started)

    assert together(start) == []
    bucket = DailyUsage.objects.get(flow=busy_flow)
    assert bucket.in_flight == THREADS


def test_concurrent_ends_of_one_bucket_lose_no_count(busy_flow: Flow) -> None:
    started = timezone.now() - timedelta(minutes=1)
    runs = [executions.start(busy_flow, started_at=started) for _ in range(THREADS)]

    def end(i: int) -> None:
        executions.change_status(Execution.objects.get(pk=runs[i].pk), Status.SUCCEEDED)

    assert together(end) == []
    bucket = DailyUsage.objects.get(flow=busy_flow)
    assert (bucket.succeeded, bucket.in_flight, bucket.ended) == (THREADS, 0, THREADS)


def test_concurrent_ends_of_one_run_count_it_once(busy_flow: Flow) -> None:
    run = executions.start(busy_flow, started_at=timezone.now() - timedelta(minutes=1))
    targets = [Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.PAUSED]

    def end(i: int) -> None:
        executions.change_status(Execution.objects.get(pk=run.pk), targets[i % len(targets)])

    errors = together(end)
    bucket = DailyUsage.objects.get(flow=busy_flow)
    assert bucket.ended == 1 and bucket.in_flight == 0
    assert bucket.succeeded + bucket.failed == 1
    assert len(errors) >= THREADS - 2  # one end won; a pause may have slipped in before it
    assert all("Cannot change" in str(e) for e in errors)
