"""Owner, admin and member against every key action: allowed works; refused is a 403 with
the database unchanged."""

from __future__ import annotations

import pytest

from apikeys.models import ApiKey, Kind
from tests.console_keys.conftest import (
    create_via_console,
    raw_keys_in,
    regenerate_via_console,
    snapshot,
)

ALLOWED_TO_MANAGE = {
    # key owner → the roles that may revoke or regenerate it
    "owner": {"owner", "admin"},
    "admin": {"owner", "admin"},
    "member": {"owner", "admin", "member"},
    "team": {"owner", "admin"},
}
MATRIX = [
    (actor, target, actor in allowed or actor == target)
    for target, allowed in ALLOWED_TO_MANAGE.items()
    for actor in ("owner", "admin", "member")
]


def client_of(request, client_for, who):
    return client_for(request.getfixturevalue(who))


@pytest.mark.parametrize(("actor", "target", "allowed"), MATRIX)
def test_revoke(keys, request, client_for, actor, target, allowed):
    client = client_of(request, client_for, actor)
    url = f"/console/api-keys/{keys[target].public_id}/revoke"
    assert client.get(url).status_code == (200 if allowed else 403)
    before = snapshot()
    response = client.post(url)
    keys[target].refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert keys[target].revoked_at is not None
    else:
        assert response.status_code == 403
        assert snapshot() == before


@pytest.mark.parametrize(("actor", "target", "allowed"), MATRIX)
def test_regenerate(keys, request, client_for, actor, target, allowed):
    client = client_of(request, client_for, actor)
    url = f"/console/api-keys/{keys[target].public_id}/regenerate"
    old_digest = keys[target].digest
    if allowed:
        response = regenerate_via_console(client, keys[target])
        keys[target].refresh_from_db()
        assert response.status_code == 200
        assert len(raw_keys_in(response)) == 1
        assert keys[target].digest != old_digest
    else:
        assert client.get(url).status_code == 403
        before = snapshot()
        assert client.post(url, {"nonce": "anything", "grace": ""}).status_code == 403
        assert snapshot() == before


@pytest.mark.parametrize(
    ("actor", "allowed"), [("owner", True), ("admin", True), ("member", False)]
)
def test_create_team_key(tenant, owner, admin, member, request, client_for, actor, allowed):
    client = client_of(request, client_for, actor)
    form = client.get("/console/api-keys/new").content.decode()
    assert ('value="team"' in form) is allowed
    before = snapshot()
    response = create_via_console(client, name="Webhook", kind="team")
    if allowed:
        assert response.status_code == 200
        key = ApiKey.objects.get(name="Webhook")
        assert key.kind == Kind.TEAM and key.user is None and key.tenant == tenant
    else:
        assert response.status_code == 403
        assert snapshot() == before


@pytest.mark.parametrize("actor", ["owner", "admin", "member"])
def test_everyone_creates_their_own_user_key(tenant, request, client_for, actor):
    user = request.getfixturevalue(actor)
    response = create_via_console(client_for(user), name="Mine")
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Mine")
    assert (key.kind, key.user, key.created_by, key.tenant) == (Kind.USER, user, user, tenant)
