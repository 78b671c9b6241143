"""A revoke racing 1,000 authentications: once the revoke has committed, no request that
starts afterwards gets in; before it, requests do."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

from accounts.models import Tenant, User
from accounts.roles import Role
from apikeys import keys
from apikeys.models import ApiKey
from core.acting import Actor, Principal
from tests.api.conftest import ApiClient, mint
from tests.concurrency.helpers import POSTGRES_ONLY, together

pytestmark = POSTGRES_ONLY

REQUESTS = 1000
THREADS = 8
REVOKE_AFTER = 300  # requests answered before the revoke starts


@dataclass(frozen=True)
class Outcome:
    started: float  # time.monotonic() just before the request was sent
    status: int
    code: str | None


def test_no_request_starting_after_a_revoke_commits_succeeds(tenant: Tenant, owner: User) -> None:
    key, raw = mint(tenant, owner, name="raced key")
    numbers = itertools.count()  # next() on it is atomic: the threads share the 1,000
    outcomes: list[Outcome] = []
    answered = threading.Event()
    revoke_times: dict[str, float] = {}

    def authenticate() -> None:
        client = ApiClient(raw)
        while next(numbers) < REQUESTS:
            started = time.monotonic()
            response = client.get("/api/v1/whoami")
            code = response.json()["error"]["code"] if response.status_code != 200 else None
            outcomes.append(Outcome(started, response.status_code, code))
            if len(outcomes) >= REVOKE_AFTER:
                answered.set()

    def revoke() -> None:
        assert answered.wait(60), "the requests never got going"
        revoke_times["began"] = time.monotonic()
        principal = Principal(tenant=tenant, role=Role.OWNER, user=owner)
        assert keys.revoke(Actor.system("race"), principal, ApiKey.objects.get(pk=key.pk))
        # revoke() returns after its transaction committed: later starts are "after".
        revoke_times["committed"] = time.monotonic()

    errors = together([authenticate] * THREADS + [revoke])

    assert errors == []
    assert len(outcomes) == REQUESTS
    committed = revoke_times["committed"]
    after = [o for o in outcomes if o.started > committed]
    before = [o for o in outcomes if o.started < revoke_times["began"]]
    assert len(after) >= 100, "too few requests started after the revoke to prove anything"
    assert [o for o in after if o.status != 401 or o.code != "revoked_key"] == []
    assert {o.status for o in before} == {200}  # the key worked until the revoke began
    assert len(before) >= REVOKE_AFTER
    assert {o.status for o in outcomes} <= {200, 401}
