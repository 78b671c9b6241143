"""`/keys`: list, create, retrieve, revoke, regenerate — and what each refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from apikeys.models import ApiKey
from apikeys.scopes import ALL_SCOPES
from tests.api.conftest import MINTED, ApiClient, mint

KEYS = "/api/v1/keys"


def code(response) -> str:
    return response.json()["error"]["code"]


def ids(response) -> set[str]:
    return {item["id"] for item in response.json()["results"]}


def test_admin_lists_every_key_of_the_tenant(owner_key, member_key, team_key):
    response = ApiClient(owner_key[1]).get(KEYS)
    assert response.status_code == 200
    assert ids(response) == {k.public_id for k in (owner_key[0], member_key[0], team_key[0])}


def test_member_key_lists_only_its_users_keys(owner_key, member_key, team_key, tenant, member):
    second, _ = mint(tenant, member, name="member's second")
    assert ids(ApiClient(member_key[1]).get(KEYS)) == {member_key[0].public_id, second.public_id}


def test_member_key_cannot_see_another_members_key(owner_key, member_key):
    response = ApiClient(member_key[1]).get(f"{KEYS}/{owner_key[0].public_id}")
    assert (response.status_code, code(response)) == (404, "not_found")


def test_list_shows_masked_keys_and_never_digests(owner_key):
    body = ApiClient(owner_key[1]).get(KEYS).content.decode()
    assert owner_key[0].masked in body
    assert owner_key[0].digest not in body
    assert owner_key[1] not in body
    assert "digest" not in body


def test_list_is_cursor_paginated_and_capped(owner_key, tenant, owner):
    for n in range(4):
        mint(tenant, owner, name=f"extra {n}")
    client = ApiClient(owner_key[1])
    first = client.get(KEYS, {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert not {i["id"] for i in first["results"]} & {i["id"] for i in second["results"]}
    assert len(client.get(KEYS, {"limit": 100}).json()["results"]) == 5
    assert client.get(KEYS, {"limit": 101}).status_code == 400  # the cap, as documented


def test_create_returns_the_raw_key_once_with_no_store(owner_key, tenant):
    client = ApiClient(owner_key[1])
    response = client.post_json(KEYS, {"name": "CI", "scopes": ["keys:read"]})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    MINTED.append(body["key"])
    key = ApiKey.objects.get(public_id=body["id"])
    assert (key.tenant, key.kind, key.scopes) == (tenant, "user", ["keys:read"])
    assert body["masked"] == key.masked and body["key"].startswith("kw_user_")
    assert ApiClient(body["key"]).get("/api/v1/whoami").status_code == 200
    assert "key" not in client.get(f"{KEYS}/{key.public_id}").json()
    event = AuditEvent.objects.get(action=AuditAction.KEY_CREATED, target_id=str(key.pk))
    assert body["key"] not in str(event.details) + event.target_label


def test_created_key_defaults_to_the_callers_scopes(tenant, owner):
    _, raw = mint(tenant, owner, scopes=["keys:read", "keys:write"])
    body = ApiClient(raw).post_json(KEYS, {"name": "child"}).json()
    MINTED.append(body["key"])
    assert body["scopes"] == ["keys:read", "keys:write"]


def test_a_key_cannot_mint_scopes_it_lacks(tenant, owner):
    _, raw = mint(tenant, owner, scopes=["keys:read", "keys:write"])
    response = ApiClient(raw).post_json(KEYS, {"name": "wider", "scopes": ["flows:invoke"]})
    assert (response.status_code, code(response)) == (403, "insufficient_scope")
    assert "flows:invoke" in response.json()["error"]["message"]
    assert not ApiKey.objects.filter(name="wider").exists()


def test_member_cannot_create_team_key(member_key):
    response = ApiClient(member_key[1]).post_json(KEYS, {"name": "t", "kind": "team"})
    assert (response.status_code, code(response)) == (403, "forbidden")


def test_admin_creates_team_key(owner_key):
    body = ApiClient(owner_key[1]).post_json(KEYS, {"name": "t", "kind": "team"}).json()
    MINTED.append(body["key"])
    assert (body["kind"], body["user"]) == ("team", None)


def test_team_key_cannot_create_user_key(team_key):
    response = ApiClient(team_key[1]).post_json(KEYS, {"name": "u"})
    assert (response.status_code, code(response)) == (403, "forbidden")


def test_create_never_accepts_a_tenant(owner_key, other_tenant, tenant):
    body = ApiClient(owner_key[1]).post_json(KEYS, {"name": "x", "tenant": other_tenant.pk})
    MINTED.append(body.json()["key"])
    assert ApiKey.objects.get(public_id=body.json()["id"]).tenant == tenant


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": 123}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "x", "kind": "robot"}, "kind"),
        ({"name": "x", "scopes": ["admin:all"]}, "scopes"),
        ({"name": "x", "scopes": "keys:read"}, "scopes"),
        ({"name": "x", "expires_at": "tomorrow"}, "expires_at"),
        ({"name": "x", "description": 5}, "description"),
        ({"name": "owner key"}, "name"),  # a live key has that name
    ],
)
def test_bad_create_input_is_a_400_naming_the_field(owner_key, payload, field):
    response = ApiClient(owner_key[1]).post_json(KEYS, payload)
    assert (response.status_code, code(response)) == (400, "validation_error")
    assert field in response.json()["error"]["fields"]


def test_past_expiry_is_a_400(owner_key):
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = ApiClient(owner_key[1]).post_json(KEYS, {"name": "x", "expires_at": past})
    assert response.status_code == 400
    assert "expires_at" in response.json()["error"]["fields"]


def test_non_json_body_is_a_415(owner_key):
    response = ApiClient(owner_key[1]).post(KEYS, {"name": "x"})  # multipart
    assert (response.status_code, code(response)) == (415, "unsupported_media_type")


def test_broken_json_is_a_400(owner_key):
    response = ApiClient(owner_key[1]).post(KEYS, "{nope", "application/json")
    assert (response.status_code, code(response)) == (400, "invalid_request")


def test_oversized_body_is_a_413(owner_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = ApiClient(owner_key[1]).post_json(KEYS, {"name": "x" * 2000})
    assert (response.status_code, code(response)) == (413, "request_too_large")


def test_unsupported_method_is_a_405(owner_key):
    response = ApiClient(owner_key[1]).put(KEYS, {}, "application/json")
    assert (response.status_code, code(response)) == (405, "method_not_allowed")


def test_unknown_api_path_is_a_json_404(owner_key):
    for path in ("/api/v1/nope", "/api/v2/keys", "/api/elsewhere"):
        response = ApiClient(owner_key[1]).get(path)
        assert (response.status_code, code(response)) == (404, "not_found")
        assert response["Content-Type"] == "application/json"


def test_delete_revokes_at_once(owner_key, member_key):
    client = ApiClient(owner_key[1])
    response = client.delete(f"{KEYS}/{member_key[0].public_id}")
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    assert code(ApiClient(member_key[1]).get("/api/v1/whoami")) == "revoked_key"
    assert AuditEvent.objects.filter(action=AuditAction.KEY_REVOKED).count() == 1


def test_member_revokes_own_key_but_not_a_team_key(member_key, team_key):
    client = ApiClient(member_key[1])
    assert client.delete(f"{KEYS}/{team_key[0].public_id}").status_code == 404
    assert client.delete(f"{KEYS}/{member_key[0].public_id}").status_code == 200


def test_regenerate_returns_a_new_secret_once(owner_key):
    key, old = owner_key
    response = ApiClient(old).post_json(f"{KEYS}/{key.public_id}/regenerate")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    new = response.json()["key"]
    MINTED.append(new)
    assert new != old and response.json()["id"] == key.public_id
    assert ApiClient(new).get("/api/v1/whoami").status_code == 200
    assert code(ApiClient(old).get("/api/v1/whoami")) == "revoked_key"


def test_regenerate_with_grace_keeps_the_old_secret(owner_key, team_key):
    response = ApiClient(owner_key[1]).post_json(
        f"{KEYS}/{team_key[0].public_id}/regenerate", {"grace_seconds": 3600}
    )
    MINTED.append(response.json()["key"])
    assert ApiClient(team_key[1]).get("/api/v1/whoami").status_code == 200


@pytest.mark.parametrize("grace", [59, 3599, 604801, "soon", True])
def test_regenerate_refuses_a_grace_out_of_range(owner_key, grace):
    response = ApiClient(owner_key[1]).post_json(
        f"{KEYS}/{owner_key[0].public_id}/regenerate", {"grace_seconds": grace}
    )
    assert (response.status_code, code(response)) == (400, "validation_error")


def test_regenerating_a_revoked_key_is_a_400(tenant, owner, owner_key):
    old, _ = mint(tenant, owner, name="old laptop")
    ApiKey.objects.filter(pk=old.pk).update(revoked_at=timezone.now())
    response = ApiClient(owner_key[1]).post_json(f"{KEYS}/{old.public_id}/regenerate")
    assert response.status_code == 400
    assert "revoked key cannot be regenerated" in response.json()["error"]["message"]


def test_an_expired_key_is_regenerated_with_a_new_expiry(tenant, owner, owner_key):
    old, _ = mint(tenant, owner, name="expired laptop", expires_at=timezone.now())
    url = f"{KEYS}/{old.public_id}/regenerate"
    refused = ApiClient(owner_key[1]).post_json(url)
    assert (refused.status_code, list(refused.json()["error"]["fields"])) == (400, ["expires_at"])
    later = (timezone.now() + timedelta(days=30)).isoformat()
    response = ApiClient(owner_key[1]).post_json(url, {"expires_at": later})
    assert response.status_code == 200, response.content
    MINTED.append(response.json()["key"])
    assert response.json()["state"] == "active"
    assert ApiClient(response.json()["key"]).get("/api/v1/whoami").status_code == 200


def test_all_scopes_are_the_default(owner_key):
    assert owner_key[0].scopes == ALL_SCOPES
