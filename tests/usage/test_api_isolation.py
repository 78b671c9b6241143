"""Another tenant's flow, execution, key filter or usage never shows: 404, like a missing id."""

from __future__ import annotations

from typing import Any

import pytest

from apikeys.models import ApiKey
from tests.api.conftest import ApiClient
from usage import executions
from usage.models import Execution, Flow, Status

Key = tuple[ApiKey, str]


@pytest.fixture
def run(flow: Flow, owner_key: Key) -> Execution:
    return executions.start(flow, key=owner_key[0])


def call(client: ApiClient, method: str, url: str) -> Any:
    if method == "get":
        return client.get(url)
    body = {"status": "succeeded"} if method == "patch" else {}
    return getattr(client, method)(url, body, "application/json")


ID_BEARING = [
    ("get", "/api/v1/flows/{flow}"),
    ("post", "/api/v1/flows/{flow}/invoke"),
    ("get", "/api/v1/executions/{run}"),
    ("patch", "/api/v1/executions/{run}"),
    ("get", "/api/v1/executions?flow={flow}"),
    ("get", "/api/v1/executions?key={key}"),
    ("get", "/api/v1/usage?flow={flow}"),
    ("get", "/api/v1/usage?key={key}"),
]


@pytest.mark.parametrize(("method", "path"), ID_BEARING)
def test_the_outsiders_key_gets_404_for_our_ids(
    outsider_key: Key, owner_key: Key, flow: Flow, run: Execution, method: str, path: str
) -> None:
    url = path.format(flow=flow.public_id, run=run.public_id, key=owner_key[0].public_id)
    response = call(ApiClient(outsider_key[1]), method, url)
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
    run.refresh_from_db()
    assert run.status == Status.RUNNING
    assert Execution.objects.count() == 1  # the invoke did not start anything


@pytest.mark.parametrize(("method", "path"), ID_BEARING)
def test_unknown_ids_get_the_same_404(owner_key: Key, method: str, path: str) -> None:
    url = path.format(flow="flow_0000", run="exe_0000", key="key_0000")
    response = call(ApiClient(owner_key[1]), method, url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_outsiders_lists_and_usage_show_none_of_ours(
    outsider_key: Key, other_flow: Flow, flow: Flow, run: Execution
) -> None:
    client = ApiClient(outsider_key[1])
    assert [f["id"] for f in client.get("/api/v1/flows").json()["results"]] == [
        other_flow.public_id
    ]
    assert client.get("/api/v1/executions").json()["results"] == []
    assert client.get("/api/v1/usage").json()["cards"]["executions"] == 0


def test_a_member_cannot_filter_by_a_colleagues_key(
    member_key: Key, owner_key: Key, run: Execution
) -> None:
    client = ApiClient(member_key[1])
    assert client.get(f"/api/v1/usage?key={owner_key[0].public_id}").status_code == 404
    assert client.get(f"/api/v1/usage?key={member_key[0].public_id}").status_code == 200
    assert client.get("/api/v1/usage").json()["cards"]["executions"] == 1  # the tenant's usage


def test_a_foreign_id_is_404_even_with_an_invalid_body(outsider_key: Key, run: Execution) -> None:
    response = ApiClient(outsider_key[1]).patch(
        f"/api/v1/executions/{run.public_id}", {}, "application/json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/flows/0.", "/api/v1/executions/a.b"])
def test_odd_ids_are_401_without_a_key_and_404_with_one(owner_key: Key, path: str) -> None:
    assert ApiClient().get(path).status_code == 401
    assert ApiClient(owner_key[1]).get(path).status_code == 404
