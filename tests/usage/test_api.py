"""`/flows`, `/executions` and `/usage`: what a client sees and what it may not do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Tenant, User
from apikeys.models import ApiKey
from tests.api.conftest import ApiClient, mint
from usage import executions
from usage.models import Execution, Flow, Status

Key = tuple[ApiKey, str]


@pytest.fixture
def client(owner_key: Key) -> ApiClient:
    return ApiClient(owner_key[1])


def test_flows_are_listed_created_and_retrieved(client: ApiClient, flow: Flow) -> None:
    listing = client.get("/api/v1/flows").json()
    assert [f["id"] for f in listing["results"]] == [flow.public_id]
    assert set(listing["results"][0]) == {"id", "name", "slug", "description", "created_at"}
    created = client.post_json("/api/v1/flows", {"name": "Nightly export"})
    assert created.status_code == 201
    body = created.json()
    assert body["id"].startswith("flow_") and body["slug"] == "nightly-export"
    assert client.get(f"/api/v1/flows/{body['id']}").json()["name"] == "Nightly export"


def test_a_flow_cannot_be_created_in_another_tenant(
    client: ApiClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = client.post_json("/api/v1/flows", {"name": "Sneaky", "tenant": other_tenant.pk})
    assert response.status_code == 201
    assert Flow.objects.get(public_id=response.json()["id"]).tenant == tenant


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": 12}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "slug": "not a slug"}, "slug"),
    ],
)
def test_bad_flow_bodies_are_400_with_field_errors(
    client: ApiClient, body: dict, field: str
) -> None:
    response = client.post_json("/api/v1/flows", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_taken_slug_is_400(client: ApiClient, flow: Flow) -> None:
    response = client.post_json("/api/v1/flows", {"name": "Again", "slug": flow.slug})
    assert response.status_code == 400
    assert "already exists" in response.json()["error"]["fields"]["slug"][0]


def test_invoke_starts_a_running_execution_attributed_to_the_key(
    client: ApiClient, owner_key: Key, flow: Flow
) -> None:
    response = client.post(f"/api/v1/flows/{flow.public_id}/invoke")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "running" and body["flow"] == flow.public_id
    assert body["key"] == owner_key[0].public_id and body["id"].startswith("exe_")
    usage = client.get("/api/v1/usage").json()
    assert usage["days"][-1]["in_flight"] == 1 and usage["cards"]["executions"] == 1


def test_patching_to_succeeded_moves_todays_bar(client: ApiClient, flow: Flow) -> None:
    run = client.post(f"/api/v1/flows/{flow.public_id}/invoke").json()
    response = client.patch(
        f"/api/v1/executions/{run['id']}", {"status": "succeeded"}, "application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "succeeded" and response.json()["ended_at"]
    today = client.get("/api/v1/usage").json()["days"][-1]
    assert (today["succeeded"], today["in_flight"], today["total"]) == (1, 0, 1)


def test_runner_may_report_the_end_time(client: ApiClient, flow: Flow) -> None:
    run = executions.start(flow, started_at=timezone.now() - timedelta(minutes=10))
    ended = (run.started_at + timedelta(seconds=42)).isoformat()
    response = client.patch(
        f"/api/v1/executions/{run.public_id}",
        {"status": "failed", "ended_at": ended},
        "application/json",
    )
    assert response.json()["duration_ms"] == 42_000


@pytest.mark.parametrize("target", ["running", "succeeded", "failed"])
def test_a_change_an_ended_run_refuses_is_409_naming_both_states(
    client: ApiClient, flow: Flow, target: str
) -> None:
    run = executions.start(flow)
    executions.change_status(run, Status.SUCCEEDED)
    response = client.patch(
        f"/api/v1/executions/{run.public_id}", {"status": target}, "application/json"
    )
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": f"Cannot change a succeeded execution to {target}.",
    }
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED


@pytest.mark.parametrize(
    "body",
    [{}, {"status": "done"}, {"status": "succeeded", "ended_at": "yesterday"}, {"status": 3}],
)
def test_bad_patch_bodies_are_400(client: ApiClient, flow: Flow, body: dict) -> None:
    run = executions.start(flow)
    response = client.patch(f"/api/v1/executions/{run.public_id}", body, "application/json")
    assert response.status_code == 400
    assert Execution.objects.get(pk=run.pk).status == Status.RUNNING


def test_an_end_in_the_future_is_400(client: ApiClient, flow: Flow) -> None:
    run = executions.start(flow)
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    response = client.patch(
        f"/api/v1/executions/{run.public_id}",
        {"status": "succeeded", "ended_at": later},
        "application/json",
    )
    assert response.status_code == 400 and "ended_at" in response.json()["error"]["fields"]


def test_put_is_not_allowed(client: ApiClient, flow: Flow) -> None:
    run = executions.start(flow)
    response = client.put(
        f"/api/v1/executions/{run.public_id}", {"status": "paused"}, "application/json"
    )
    assert response.status_code == 405


def test_executions_are_filtered_by_status_flow_key_and_since(
    client: ApiClient, owner_key: Key, tenant: Tenant, flow: Flow
) -> None:
    from usage.flows import create_flow

    other = create_flow(tenant, "Other")
    old = executions.start(flow, started_at=timezone.now() - timedelta(days=3))
    mine = executions.start(flow, key=owner_key[0])
    executions.change_status(mine, Status.PAUSED)
    elsewhere = executions.start(other)

    def ids(query: str) -> list[str]:
        return [e["id"] for e in client.get(f"/api/v1/executions?{query}").json()["results"]]

    assert ids("") == [elsewhere.public_id, mine.public_id, old.public_id]
    assert ids("status=paused") == [mine.public_id]
    assert ids(f"flow={other.public_id}") == [elsewhere.public_id]
    assert ids(f"key={owner_key[0].public_id}") == [mine.public_id]
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert ids(f"since={since}") == [elsewhere.public_id, mine.public_id]


@pytest.mark.parametrize("query", ["status=done", "since=yesterday", "limit=x&since=2024-13-01"])
def test_invalid_execution_filters_are_400(client: ApiClient, query: str) -> None:
    response = client.get(f"/api/v1/executions?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_executions_are_cursor_paginated(client: ApiClient, flow: Flow) -> None:
    started = timezone.now() - timedelta(hours=1)
    made = {executions.start(flow, started_at=started).public_id for _ in range(5)}
    seen: list[str] = []
    url: str | None = "/api/v1/executions?limit=2"
    while url:
        page = client.get(url).json()
        seen += [e["id"] for e in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(made) and len(seen) == 5


def test_usage_returns_the_window_cards_and_days(
    client: ApiClient, tenant: Tenant, flow: Flow
) -> None:
    tenant.time_zone = "Asia/Tokyo"
    tenant.save()
    run = executions.start(flow, started_at=timezone.now() - timedelta(minutes=5))
    executions.change_status(run, Status.CANCELLED, ended_at=run.started_at + timedelta(seconds=2))
    executions.start(flow)
    data = client.get("/api/v1/usage?days=7").json()
    assert data["time_zone"] == "Asia/Tokyo"
    assert len(data["days"]) == 7 and data["days"][-1]["date"] == data["end"]
    assert data["days"][0]["date"] == data["start"]
    assert data["cards"] == {
        "executions": 2,
        "succeeded": 0,
        "failed": 1,
        "in_flight": 1,
        "ended": 1,
        "success_rate": 0.0,
        "success_rate_display": "0.0%",
        "avg_duration_ms": 2000.0,
        "avg_duration_display": "2.0 s",
    }


def test_usage_defaults_to_30_days(client: ApiClient) -> None:
    data = client.get("/api/v1/usage").json()
    assert len(data["days"]) == 30
    assert data["cards"]["success_rate"] is None and data["cards"]["success_rate_display"] == "—"


@pytest.mark.parametrize("query", ["days=0", "days=91", "days=abc", "days=1.5"])
def test_usage_days_out_of_range_are_400(client: ApiClient, query: str) -> None:
    response = client.get(f"/api/v1/usage?{query}")
    assert response.status_code == 400 and "days" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("get", "/api/v1/flows", "flows:read"),
        ("post", "/api/v1/flows", "flows:write"),
        ("post", "/api/v1/flows/{flow}/invoke", "flows:invoke"),
        ("get", "/api/v1/executions", "executions:read"),
        ("patch", "/api/v1/executions/{run}", "executions:write"),
        ("get", "/api/v1/usage", "usage:read"),
    ],
)
def test_each_endpoint_needs_its_scope(
    tenant: Tenant, owner: User, flow: Flow, method: str, path: str, scope: str
) -> None:
    from apikeys.scopes import SCOPES

    run = executions.start(flow)
    url = path.format(flow=flow.public_id, run=run.public_id)
    _key, raw = mint(tenant, owner, scopes=[s for s in SCOPES if s != scope])
    response = getattr(ApiClient(raw), method)(url, {}, "application/json")
    assert response.status_code == 403
    assert (
        response.json()["error"]["code"] == "insufficient_scope"
        and scope in response.json()["error"]["message"]
    )


def test_no_key_is_401(db: None) -> None:
    assert ApiClient().get("/api/v1/usage").status_code == 401
