"""Schema fuzzing: schemathesis generates requests for every operation of /api/schema/ and
sends them in-process through the WSGI application, with a valid key, with no key and with
a foreign tenant's key. No response may be a 5xx; every one must match the schema (status
code, content type, body); and none may carry the other tenant's data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Tenant
from apikeys.models import ApiKey, Kind, create_key, new_public_id
from config.wsgi import application
from conftest import join, make_tenant, make_user
from usage import executions
from usage.flows import create_flow
from usage.models import new_execution_id, new_flow_id

EXAMPLES_PER_OPERATION = 15
# Ids of the right shape that belong to no object.
MISSING_IDS: dict[str, Callable[[], str]] = {
    "keys": new_public_id,
    "flows": new_flow_id,
    "executions": new_execution_id,
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def load_schema() -> Any:
    """The schema as /api/schema/ serves it, built without a request (no database needed)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(document, default=str)))
    loaded.app = application
    return loaded


schema = load_schema()


@dataclass
class Side:
    """A tenant, its key and the strings that would betray its data in a response."""

    tenant: Tenant
    raw: str
    markers: list[str]
    ids: dict[str, str]  # first path segment after /api/v1/ → the id of one of its objects


def side(name: str, email: str) -> Side:
    tenant = make_tenant(name)
    tenant.rate_limit = "1000000/min"
    tenant.save()
    user = make_user(email)
    join(user, tenant, "owner")
    key, raw = create_key(tenant=tenant, kind=Kind.USER, name=f"{name} owner key", user=user)
    team, _ = create_key(tenant=tenant, kind=Kind.TEAM, name=f"{name} team key")
    flow = create_flow(tenant, f"{name} nightly flow")
    execution = executions.start(flow, key)
    markers = [
        name,
        email,
        key.public_id,
        team.public_id,
        flow.public_id,
        execution.public_id,
        key.masked_prefix,
        team.masked_prefix,
    ]
    ids = {"keys": team.public_id, "flows": flow.public_id, "executions": execution.public_id}
    return Side(tenant=tenant, raw=raw, markers=markers, ids=ids)


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Requests go straight to the WSGI handler, whose request signals close "old" database
    connections: one inside the test's transaction counts as old on PostgreSQL. Django's
    test client detaches the same receiver for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tenants(db: None, settings: Any, in_process_requests: None) -> tuple[Side, Side]:
    """Two tenants with keys, flows and executions; rate limits out of the way."""
    settings.API_RATE_LIMIT = "1000000/min"
    settings.ANON_RATE_LIMIT = "1000000/min"
    settings.AUTH_FAILURE_RATE_LIMIT = "1000000/min"
    call_command("createcachetable", verbosity=0)
    return side("Zorblax Industries", "owner@zorblax.test"), side(
        "Quuxwerk Holdings", "owner@quuxwerk.test"
    )


def without_credentials(case: Any) -> None:
    for header in list(case.headers or {}):
        if header.lower() in ("authorization", "x-api-key"):
            del case.headers[header]


def call(case: Any, raw: str | None) -> Any:
    without_credentials(case)
    headers = {"Authorization": f"Bearer {raw}"} if raw else {}
    return case.call_and_validate(headers=headers, checks=CHECKS)


def assert_none_of(markers: list[str], response: Any, who: str) -> None:
    text = response.text
    leaked = [marker for marker in markers if marker in text]
    assert not leaked, f"{who}: the response carries another tenant's data: {leaked}"


FuzzTest = Callable[..., None]


def fuzz(test: FuzzTest) -> FuzzTest:
    decorated = settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )(test)
    return schema.parametrize()(decorated)


@fuzz
def test_with_a_valid_key_responses_match_the_schema_and_stay_in_the_tenant(
    case: Any, tenants: tuple[Side, Side]
) -> None:
    mine, theirs = tenants
    response = call(case, mine.raw)
    assert_none_of(theirs.markers, response, "own key")


@fuzz
def test_without_a_key_every_operation_refuses_and_reveals_nothing(
    case: Any, tenants: tuple[Side, Side]
) -> None:
    response = call(case, None)
    # Schemathesis also tries methods an operation does not allow: 405. An id no route can
    # match makes the path no endpoint at all: the API's JSON 404, before any authentication.
    # A NUL byte anywhere in the URL is refused before any view, with a 400 of its own.
    unroutable = response.status_code == 404 and "No such API endpoint" in response.text
    nul_refused = response.status_code == 400 and "NUL byte" in response.text
    if unroutable or nul_refused:
        pass
    elif case.path.endswith("/keys/leaked"):
        assert response.status_code in (202, 400, 405, 413, 415, 429), response.status_code
    elif "/signup" in case.path:  # public by design: sign-up needs no key
        assert response.status_code in (200, 201, 202, 400, 405, 413, 415, 429), (
            response.status_code
        )
    else:
        assert response.status_code in (401, 405, 429), response.status_code
    for one in tenants:
        assert_none_of(one.markers, response, "no key")


@fuzz
def test_with_a_foreign_key_nothing_of_the_other_tenant_comes_back(
    case: Any, tenants: tuple[Side, Side]
) -> None:
    """The other tenant's key, aimed at this tenant's real objects: answered exactly as for
    an id that does not exist, nothing of this tenant in the body, nothing changed."""
    mine, theirs = tenants
    resource = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    aimed = "id" in (case.path_parameters or {}) and resource in mine.ids
    before = sorted(ApiKey.objects.filter(tenant=mine.tenant).values_list("digest", "revoked_at"))
    if aimed:
        case.path_parameters["id"] = MISSING_IDS[resource]()
        missing = call(case, theirs.raw)
        case.path_parameters["id"] = mine.ids[resource]
    response = call(case, theirs.raw)
    assert_none_of(mine.markers, response, "foreign key")
    if aimed:
        assert response.status_code == missing.status_code
        assert response.status_code not in range(200, 300)
    after = sorted(ApiKey.objects.filter(tenant=mine.tenant).values_list("digest", "revoked_at"))
    assert after == before, "a foreign key changed this tenant's keys"


def test_every_operation_is_fuzzed() -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    assert {op.method.upper() for op in operations} >= {"GET", "POST", "PATCH", "DELETE"}
