"""Many threads invoking flows and changing their runs' status through the API, with keys
of two tenants, some changing the same runs at once: the roll-ups stay exactly what the
executions add up to. (tests/usage/test_concurrency.py races `usage.rollups` directly.)"""

from __future__ import annotations

import random
import threading
from collections import Counter
from functools import partial

from accounts.models import Tenant, User
from accounts.roles import Role
from conftest import join, make_tenant, make_user
from tests.api.conftest import ApiClient, mint
from tests.concurrency.helpers import POSTGRES_ONLY, together
from tests.usage.helpers import buckets, recomputed
from usage.flows import create_flow
from usage.models import Execution

pytestmark = POSTGRES_ONLY

THREADS = 12
LOOPS = 25
TARGETS = ["succeeded", "failed", "cancelled", "paused", "running", "compensating"]


def test_concurrent_invokes_and_status_changes_keep_rollups_exact(
    tenant: Tenant, owner: User
) -> None:
    other = make_tenant("Initech")
    join(other_owner := make_user("owner@initech.test"), other, Role.OWNER)
    tenants = {tenant.pk: (tenant, owner), other.pk: (other, other_owner)}
    flows = {
        pk: [create_flow(t, "Sync").public_id, create_flow(t, "Export").public_id]
        for pk, (t, _) in tenants.items()
    }
    keys = [
        (pk, mint(t, user, name=f"key {n}")[1])
        for pk, (t, user) in tenants.items()
        for n in range(2)
    ]
    runs: dict[int, list[str]] = {pk: [] for pk in tenants}  # every run, shared by the threads
    answers: Counter[tuple[str, int]] = Counter()
    invoked: Counter[int] = Counter()
    lock = threading.Lock()

    def work(seed: int) -> None:
        rng = random.Random(seed)
        tenant_pk, raw = keys[seed % len(keys)]
        client = ApiClient(raw)
        for _ in range(LOOPS):
            response = client.post(f"/api/v1/flows/{rng.choice(flows[tenant_pk])}/invoke")
            with lock:
                answers["invoke", response.status_code] += 1
                if response.status_code == 201:
                    invoked[tenant_pk] += 1
                    runs[tenant_pk].append(response.json()["id"])
                own = response.json().get("id")
                shared = rng.choice(runs[tenant_pk]) if runs[tenant_pk] else None
            for run in (own, shared):  # its own run, then one any thread may be changing
                if run is None:
                    continue
                body = {"status": rng.choice(TARGETS)}
                changed = client.patch(f"/api/v1/executions/{run}", body, "application/json")
                with lock:
                    answers["patch", changed.status_code] += 1

    errors = together([partial(work, seed) for seed in range(THREADS)])

    assert errors == []
    # A change the run's status refused (it had ended, or changed meanwhile) is a 409.
    assert set(answers) <= {("invoke", 201), ("patch", 200), ("patch", 409)}, answers
    assert answers["invoke", 201] == THREADS * LOOPS
    assert answers["patch", 200] > THREADS * LOOPS / 2  # most changes were legal and made
    for pk, (each, _) in tenants.items():
        assert Execution.objects.for_tenant(each).count() == invoked[pk]
        stored = buckets(each)
        assert stored == recomputed(each)
        in_flight_and_ended = sum(row[5] + row[6] for row in stored)  # type: ignore[operator]
        assert in_flight_and_ended == invoked[pk]
