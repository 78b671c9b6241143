"""The key page and the security overview, for each role; another organisation's key is a
404; the console's create form takes restrictions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apikeys.models import ApiKey
from apikeys.scopes import ALL_SCOPES
from tests.api.conftest import ApiClient, mint
from usage import executions
from usage.flows import create_flow

pytestmark = pytest.mark.django_db
NONCE_RE = re.compile(r'name="nonce" value="([^"]+)"')


def page_of(key) -> str:
    return f"/console/api-keys/{key.public_id}"


def test_key_page_shows_details_restrictions_clients_runs_and_trail(
    tenant, owner, client_for, settings
):
    flow = create_flow(tenant, "Deploy")
    key, raw = mint(tenant, owner, allowed_ips=["127.0.0.0/8"], flows=[flow.public_id])
    ApiClient(raw, HTTP_USER_AGENT="ci-runner/1.0").post_json(
        f"/api/v1/flows/{flow.public_id}/invoke"
    )
    run = executions.start(flow, key=key)
    executions.change_status(run, "succeeded", timezone.now())
    page = client_for(owner).get(page_of(key))
    assert page.status_code == 200
    html = page.content.decode()
    assert "127.0.0.0/8" in html and "Deploy" in html
    assert "ci-runner/1.0" in html and html.count("data-sighting") == 1
    assert "2 runs" in html and "100" in html  # success rate of the one ended run
    assert '<h2 id="usage-chart-title">Runs of the last 30 days</h2>' in html


def test_sightings_keep_ten_distinct_addresses_written_once_a_minute(tenant, owner, settings):
    settings.NUM_PROXIES = 1
    key, raw = mint(tenant, owner)
    for n in range(12):
        for _ in range(3):  # repeats within the minute write nothing more
            ApiClient(raw).get("/api/v1/whoami", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert key.sightings.count() == 12
    first = key.sightings.get(ip="10.0.0.0")
    assert first.first_seen == first.last_seen


def test_members_see_their_own_keys_pages_only(tenant, owner, member, client_for):
    mine, _ = mint(tenant, member, name="mine")
    theirs, _ = mint(tenant, owner, name="theirs")
    team, _ = mint(tenant, None, name="team")
    client = client_for(member)
    assert client.get(page_of(mine)).status_code == 200
    assert client.get(page_of(theirs)).status_code == 404
    assert client.get(page_of(team)).status_code == 404


def test_admins_see_every_keys_page(tenant, admin, member, client_for):
    for key in (mint(tenant, member)[0], mint(tenant, None)[0]):
        assert client_for(admin).get(page_of(key)).status_code == 200


def test_another_organisations_key_page_is_404(tenant, owner, outsider, other_tenant, client_for):
    theirs, _ = mint(other_tenant, outsider)
    assert client_for(owner).get(page_of(theirs)).status_code == 404
    assert client_for(owner).get("/console/api-keys/key_nope").status_code == 404


def test_overview_counts_link_to_their_filters(tenant, owner, client_for):
    now = timezone.now()
    mint(tenant, owner, name="forever")  # never expires, never used, full access
    mint(tenant, owner, name="scoped", scopes=["flows:read"], expires_at=now + timedelta(days=5))
    old, _ = mint(tenant, owner, name="old", expires_at=now + timedelta(days=5))
    ApiKey.objects.filter(pk=old.pk).update(last_used_at=now - timedelta(days=100))
    client = client_for(owner)
    html = client.get("/console/api-keys").content.decode()
    counts = dict(re.findall(r'data-overview="(\w+)"[^>]*><span class="stat-value">(\d+)', html))
    assert counts == {"never_expire": "1", "idle": "1", "never_used": "2", "full_access": "2"}
    filtered = client.get("/console/api-keys?filter=idle").content.decode()
    assert "old" in filtered and "forever</a>" not in filtered
    assert set(ALL_SCOPES)


def test_members_get_no_overview(tenant, member, client_for):
    mint(tenant, member)
    assert b"Security overview" not in client_for(member).get("/console/api-keys").content


def test_api_filters_state_and_idle_days(tenant, owner):
    now = timezone.now()
    _, raw = mint(tenant, owner, name="caller")
    old, _ = mint(tenant, owner, name="old")
    ApiKey.objects.filter(pk=old.pk).update(last_used_at=now - timedelta(days=100))
    gone, _ = mint(tenant, owner, name="gone")
    ApiKey.objects.filter(pk=gone.pk).update(revoked_at=now)
    client = ApiClient(raw)
    idle = client.get("/api/v1/keys?idle_days=90").json()["results"]
    assert [k["name"] for k in idle] == ["old"]
    revoked = client.get("/api/v1/keys?state=revoked").json()["results"]
    assert [k["name"] for k in revoked] == ["gone"]
    assert client.get("/api/v1/keys?idle_days=0").status_code == 400
    assert client.get("/api/v1/keys?state=nope").status_code == 400


def test_console_create_takes_restrictions_and_refuses_a_bad_network(tenant, owner, client_for):
    flow = create_flow(tenant, "Deploy")
    client = client_for(owner)

    def post(**extra):
        found = NONCE_RE.search(client.get("/console/api-keys/new").content.decode())
        assert found
        data = {"kind": "user", "name": "ci", "nonce": found.group(1), **extra}
        return client.post("/console/api-keys/new", data)

    bad = post(allowed_ips="10.0.0.0/33")
    assert bad.status_code == 200 and not ApiKey.objects.filter(name="ci").exists()
    assert b"CIDR" in bad.content
    ok = post(allowed_ips="10.0.0.0/8, 2001:db8::/32", flows=[flow.public_id])
    assert ok.status_code == 200
    key = ApiKey.objects.get(name="ci")
    assert key.allowed_ips == ["10.0.0.0/8", "2001:db8::/32"] and key.flows == [flow.public_id]


def test_team_keys_are_not_offered_to_admins_where_only_owners_may(
    tenant, owner, admin, client_for
):
    from accounts.models import SecurityPolicy, TeamKeyCreators

    assert b'value="team"' in client_for(admin).get("/console/api-keys/new").content
    SecurityPolicy.objects.create(tenant=tenant, team_keys_by=TeamKeyCreators.OWNERS)
    assert b'value="team"' not in client_for(admin).get("/console/api-keys/new").content
    assert b'value="team"' in client_for(owner).get("/console/api-keys/new").content
    found = NONCE_RE.search(client_for(admin).get("/console/api-keys/new").content.decode())
    assert found
    refused = client_for(admin).post(
        "/console/api-keys/new", {"kind": "team", "name": "ci", "nonce": found.group(1)}
    )
    assert refused.status_code == 403 and not ApiKey.objects.filter(name="ci").exists()


def test_a_key_used_from_two_addresses_at_once_writes_each_sighting_once_a_minute(
    tenant, owner, settings, sql_queries
):
    """CI runners behind several addresses share a key: once each address is recorded, the
    requests of the minute cost the one lookup and nothing more."""
    settings.NUM_PROXIES = 1
    key, raw = mint(tenant, owner)
    for ip in ("10.0.0.1", "10.0.0.2"):
        ApiClient(raw).get("/api/v1/whoami", HTTP_X_FORWARDED_FOR=ip)
    with sql_queries() as queries:
        for _ in range(5):
            for ip in ("10.0.0.1", "10.0.0.2"):
                ApiClient(raw).get("/api/v1/whoami", HTTP_X_FORWARDED_FOR=ip)
    sightings = [q for q in queries if "apikeys_keysighting" in q["sql"]]
    assert sightings == []
    assert key.sightings.count() == 2
