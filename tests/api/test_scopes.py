"""Each scope grants exactly its endpoints."""

from __future__ import annotations

import pytest

from apikeys.scopes import ALL_SCOPES
from tests.api.conftest import ApiClient, mint

# (method, path template, the one scope it needs; None: any valid key)
ENDPOINTS = [
    ("get", "/api/v1/whoami", None),
    ("get", "/api/v1/keys", "keys:read"),
    ("get", "/api/v1/keys/{id}", "keys:read"),
    ("post", "/api/v1/keys", "keys:write"),
    ("delete", "/api/v1/keys/{id}", "keys:write"),
    ("post", "/api/v1/keys/{id}/regenerate", "keys:write"),
]


def call(client: ApiClient, method: str, path: str):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, '{"name": "made by scope test"}', "application/json")


@pytest.mark.parametrize(("method", "path", "needed"), ENDPOINTS)
@pytest.mark.parametrize("scope", ALL_SCOPES)
def test_scope_grants_exactly_its_endpoints(tenant, owner, method, path, needed, scope):
    _, raw = mint(tenant, owner, name="caller", scopes=[scope])
    # The target holds only the caller's scope, so that a key may regenerate it.
    target, _ = mint(tenant, owner, name="target", scopes=[scope])
    response = call(ApiClient(raw), method, path.replace("{id}", target.public_id))
    if needed is None or scope == needed:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 403
        assert response.json()["error"] == {
            "code": "insufficient_scope",
            "message": f"This key lacks the scope(s): {needed}.",
        }


def test_user_key_never_exceeds_its_owners_role(member_key):
    """Full scopes, but a member: no team key, and other members' keys stay invisible."""
    response = ApiClient(member_key[1]).post_json("/api/v1/keys", {"name": "t", "kind": "team"})
    assert response.status_code == 403
