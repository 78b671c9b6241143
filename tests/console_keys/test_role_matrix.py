"""Creating keys in the console by role (revoke and regenerate for every actor and target
are in tests/authority/test_key_authority.py)."""

from __future__ import annotations

import pytest

from apikeys.models import ApiKey, Kind
from tests.console_keys.conftest import (
    create_via_console,
    snapshot,
)


@pytest.mark.parametrize(
    ("actor", "allowed"), [("owner", True), ("admin", True), ("member", False)]
)
def test_create_team_key(tenant, owner, admin, member, request, client_for, actor, allowed):
    client = client_for(request.getfixturevalue(actor))
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
