"""At one short of the allowance, 50 simultaneous invokes create exactly one execution."""

from __future__ import annotations

import functools
import threading
from collections import Counter

from accounts.models import Tenant, User
from tests.api.conftest import ApiClient, mint
from tests.concurrency.helpers import POSTGRES_ONLY, together
from usage import quota
from usage.models import Execution, Flow

pytestmark = POSTGRES_ONLY


def test_50_concurrent_invokes_at_allowance_minus_one_create_exactly_one(
    tenant: Tenant, owner: User
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=10)
    tenant.refresh_from_db()
    flow = Flow.objects.create(tenant=tenant, name="Hot", slug="hot")
    for _ in range(9):
        quota.charge(tenant)
    _, raw = mint(tenant, owner)
    seen: Counter[int] = Counter()
    lock = threading.Lock()

    def call(client: ApiClient) -> None:
        status = client.post(f"/api/v1/flows/{flow.public_id}/invoke").status_code
        with lock:
            seen[status] += 1

    clients = [ApiClient(raw) for _ in range(50)]
    assert together([functools.partial(call, c) for c in clients]) == []
    assert seen == Counter({201: 1, 429: 49}), seen
    assert Execution.objects.filter(tenant=tenant).count() == 1
    assert quota.current(tenant).used == 10
