"""Per-key restrictions: an IP allowlist (IPv4, IPv6, behind a proxy) and a flow
restriction that makes every other flow, its runs and its usage a 404; a restricted key
never mints a less restricted one."""

from __future__ import annotations

import pytest

from apikeys.authentication import ApiKeyAuthentication
from apikeys.models import ApiKey
from tests.api.conftest import ApiClient, mint
from usage import executions
from usage.flows import create_flow

KEYS = "/api/v1/keys"


def code(response) -> str:
    return response.json()["error"]["code"]


@pytest.mark.parametrize(
    ("networks", "forwarded", "allowed"),
    [
        pytest.param(["127.0.0.1/32"], "127.0.0.1", True, id="v4-exact"),
        pytest.param(["127.0.0.1/32"], "10.0.0.1", False, id="v4-outside"),
        pytest.param(["10.0.0.0/8"], "10.20.30.40", True, id="v4-range"),
        pytest.param(["2001:db8::/32"], "2001:db8::1", True, id="v6-range"),
        pytest.param(["2001:db8::/32"], "2001:db9::1", False, id="v6-outside"),
        pytest.param(["2001:db8::/32", "192.0.2.0/24"], "192.0.2.7", True, id="mixed"),
    ],
)
def test_ip_allowlist_behind_one_proxy(settings, tenant, owner, networks, forwarded, allowed):
    settings.NUM_PROXIES = 1
    _, raw = mint(tenant, owner, allowed_ips=networks)
    # The client forges the left of the header; our proxy appends the real address.
    response = ApiClient(raw).get("/api/v1/whoami", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {forwarded}")
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert code(response) == "ip_not_allowed"


def test_forged_left_hop_does_not_pass_the_allowlist(settings, tenant, owner):
    settings.NUM_PROXIES = 1
    _, raw = mint(tenant, owner, allowed_ips=["127.0.0.1/32"])
    response = ApiClient(raw).get("/api/v1/whoami", HTTP_X_FORWARDED_FOR="127.0.0.1, 10.0.0.1")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(["10.0.0.0/33"], id="prefix-too-long"),
        pytest.param(["not-an-ip"], id="text"),
        pytest.param(["2001:db8::/129"], id="v6-prefix"),
        pytest.param([7], id="number"),
    ],
)
def test_invalid_network_is_400_and_creates_nothing(owner_key, bad):
    before = ApiKey.objects.count()
    response = ApiClient(owner_key[1]).post_json(KEYS, {"name": "restricted", "allowed_ips": bad})
    assert response.status_code == 400
    assert ApiKey.objects.count() == before


def test_restrictions_appear_in_the_key_json(owner_key, tenant):
    flow = create_flow(tenant, "Deploy")
    response = ApiClient(owner_key[1]).post_json(
        KEYS, {"name": "r", "allowed_ips": ["10.1.2.3", "2001:db8::/48"], "flows": [flow.public_id]}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["allowed_ips"] == ["10.1.2.3/32", "2001:db8::/48"]
    assert body["flows"] == [flow.public_id]
    listed = ApiClient(owner_key[1]).get(f"{KEYS}/{body['id']}").json()
    assert listed["allowed_ips"] == body["allowed_ips"] and listed["flows"] == body["flows"]


def test_unknown_or_foreign_flow_is_400(owner_key, other_tenant):
    foreign = create_flow(other_tenant, "Theirs")
    for flows in (["flow_nope"], [foreign.public_id]):
        response = ApiClient(owner_key[1]).post_json(KEYS, {"name": "x", "flows": flows})
        assert response.status_code == 400


@pytest.fixture
def two_flows(tenant):
    mine, other = create_flow(tenant, "Mine"), create_flow(tenant, "Other")
    for flow in (mine, other):
        executions.start(flow)
    return mine, other


def test_flow_restricted_key_sees_only_its_flows(tenant, owner, two_flows):
    mine, other = two_flows
    _, raw = mint(tenant, owner, flows=[mine.public_id])
    client = ApiClient(raw)
    listed = client.get("/api/v1/flows").json()["results"]
    assert [f["id"] for f in listed] == [mine.public_id]
    assert client.get(f"/api/v1/flows/{other.public_id}").status_code == 404
    assert client.post_json(f"/api/v1/flows/{other.public_id}/invoke").status_code == 404
    assert client.post_json(f"/api/v1/flows/{mine.public_id}/invoke").status_code == 201
    runs = client.get("/api/v1/executions").json()["results"]
    assert len(runs) == 2 and all(other.public_id not in str(run) for run in runs)
    other_run = other.executions.first()
    assert client.get(f"/api/v1/executions/{other_run.public_id}").status_code == 404
    assert client.get(f"/api/v1/executions?flow={other.public_id}").status_code == 404
    assert client.get(f"/api/v1/usage?flow={other.public_id}").status_code == 404
    usage = client.get("/api/v1/usage").json()
    assert usage["cards"]["executions"] == 2  # its flow's two runs, not the other's


def test_restricted_key_cannot_mint_a_less_restricted_one(tenant, owner, two_flows):
    mine, other = two_flows
    _, raw = mint(tenant, owner, allowed_ips=["10.0.0.0/8"], flows=[mine.public_id])
    client = ApiClient(raw, REMOTE_ADDR="10.1.1.1")
    wider = [
        {"allowed_ips": ["0.0.0.0/0"]},
        {"allowed_ips": ["10.0.0.0/8", "192.168.0.0/16"]},
        {"flows": [mine.public_id, other.public_id]},
        {"allowed_ips": [], "flows": [mine.public_id]},
        {"allowed_ips": ["10.0.0.0/8"], "flows": []},
    ]
    for n, body in enumerate(wider):
        response = client.post_json(KEYS, {"name": f"wider {n}", **body})
        assert response.status_code == 403, body
    narrower = client.post_json(KEYS, {"name": "narrower", "allowed_ips": ["10.1.0.0/16"]})
    assert narrower.status_code == 201, narrower.json()
    assert narrower.json()["flows"] == [mine.public_id]  # omitted: the acting key's


def test_restricted_key_cannot_regenerate_an_unrestricted_one(tenant, owner):
    unrestricted, _ = mint(tenant, owner, name="wide")
    _, raw = mint(tenant, owner, allowed_ips=["127.0.0.1/32"])
    response = ApiClient(raw).post_json(f"{KEYS}/{unrestricted.public_id}/regenerate")
    assert response.status_code == 403


def test_restricted_key_still_costs_one_query(tenant, owner, two_flows, sql_queries):
    _, raw = mint(tenant, owner, allowed_ips=["127.0.0.1/32"], flows=[two_flows[0].public_id])
    client = ApiClient(raw)
    client.get("/api/v1/whoami")  # first use writes last-used and the sighting
    with sql_queries() as queries:
        ApiKeyAuthentication().authenticate_key(raw)
    assert len(queries) == 1
