"""The API's contract is exact: the served schema validates with openapi-spec-validator,
every operation has a summary and documents its error statuses, scopes are typed, and a
client generated from the schema by openapi-python-client parses real responses."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.api.conftest import ApiClient

SCHEMA = "/api/schema/?format=json"
ALWAYS = {"400", "405", "406", "429", "503"}
KEYED = ALWAYS | {"401", "403"}


@pytest.fixture(scope="module")
def served(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = ApiClient().get(SCHEMA)
    assert response.status_code == 200
    return dict(response.json())


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_the_served_schema_validates(served: dict[str, Any]) -> None:
    validate(served)  # raises on any error


def test_every_operation_has_a_summary(served: dict[str, Any]) -> None:
    assert [f"{m} {p}" for m, p, op in operations(served) if not op.get("summary")] == []


def test_every_operation_documents_its_error_statuses(served: dict[str, Any]) -> None:
    for method, path, operation in operations(served):
        documented = set(operation["responses"])
        expected = KEYED if operation.get("security") else ALWAYS
        if "{id}" in path:
            expected = expected | {"404"}
        if "requestBody" in operation:
            expected = expected | {"413", "415"}
        assert expected <= documented, (method, path, expected - documented)
        retry = operation["responses"]["429"]["headers"]
        assert "Retry-After" in retry and "X-RateLimit-Remaining" in retry


@pytest.mark.parametrize("component", ["Key", "NewKey", "WhoAmIKey", "KeyCreateRequest"])
def test_scopes_are_an_array_of_the_scope_enum(served: dict[str, Any], component: str) -> None:
    scopes = served["components"]["schemas"][component]["properties"]["scopes"]
    assert scopes["type"] == "array"
    assert scopes["items"] == {"$ref": "#/components/schemas/ScopesEnum"}
    enum = served["components"]["schemas"]["ScopesEnum"]["enum"]
    assert "keys:read" in enum and "members:read" in enum


def test_options_is_a_405_that_does_not_offer_itself(owner_key: Any) -> None:
    response = ApiClient(owner_key[1]).options("/api/v1/keys")
    assert response.status_code == 405
    assert "OPTIONS" not in response["Allow"] and "GET" in response["Allow"]


def test_two_different_keys_are_a_documented_400(owner_key: Any, member_key: Any) -> None:
    client = ApiClient(owner_key[1], HTTP_X_API_KEY=member_key[1])
    response = client.get("/api/v1/whoami")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


@pytest.fixture(scope="module")
def generated_client(served: dict[str, Any], tmp_path_factory: Any) -> Any:
    """The client openapi-python-client generates from the served schema, imported."""
    import json

    where = tmp_path_factory.mktemp("client")
    (where / "schema.json").write_text(json.dumps(served))
    (where / "config.yaml").write_text("post_hooks: []\nproject_name_override: keyward_client\n")
    command = [
        str(Path(sys.executable).with_name("openapi-python-client")),
        *("generate", "--path", str(where / "schema.json"), "--meta", "none"),
        *("--output-path", str(where / "keyward_client"), "--config", str(where / "config.yaml")),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module("keyward_client")
    finally:
        sys.path.remove(str(where))


def test_a_generated_client_runs_a_whole_scenario(
    generated_client: Any, live_server: Any, owner_key: Any, settings: Any
) -> None:
    settings.API_RATE_LIMIT = "1000/min"
    api = importlib.import_module("keyward_client.api.v1")
    models = importlib.import_module("keyward_client.models")
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=owner_key[1], raise_on_unexpected_status=True
    )

    def call(module: str, *args: Any, **kwargs: Any) -> Any:
        response = importlib.import_module(f"{api.__name__}.{module}").sync_detailed(
            *args, client=client, **kwargs
        )
        assert 200 <= response.status_code < 300, (module, response.status_code, response.content)
        return response.parsed

    me = call("whoami")
    assert isinstance(me, models.WhoAmI) and me.tenant.slug and me.key.scopes
    created = call(
        "v1_keys_create",
        body=models.KeyCreateRequest(name="generated", scopes=[models.ScopesEnum("flows:read")]),
    )
    assert isinstance(created, models.NewKey) and created.scopes == [
        models.ScopesEnum("flows:read")
    ]
    listed = call("v1_keys_list")
    assert created.id in {key.id for key in listed.results}
    flow = call("v1_flows_create", body=models.FlowCreateRequest(name="Nightly build"))
    run = call("v1_flows_invoke_create", flow.id)
    assert run.status == models.StatusEnum.RUNNING
    ended = call(
        "v1_executions_partial_update",
        run.id,
        body=models.PatchedExecutionUpdateRequest(status=models.StatusEnum("succeeded")),
    )
    assert ended.status == models.StatusEnum("succeeded")
    usage = call("usage", days=7)
    assert usage.cards.executions == 1
    revoked = call("v1_keys_destroy", created.id)
    assert revoked.state == models.StateEnum("revoked")

    refused = importlib.import_module(f"{api.__name__}.v1_keys_retrieve").sync_detailed(
        "key_nope", client=client
    )
    assert refused.status_code == 404 and isinstance(refused.parsed, models.Error)
