"""The authority over keys, as literal expectations: every actor, action and target, through
the console (people) and the API (their keys, full and `keys:write` only, and team keys).

Targets: the owner's, the admin's and the member's user keys and a team key of Acme, and
`foreign`, a user key of Globex (the outsider's own). Cells: `ok`; `404` (the actor may not
even see the key); `403` (console); through the API `forbidden` or `scope` (403
`insufficient_scope`). A refused cell changes nothing and no response carries a raw key.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEvent
from apikeys.models import ApiKey, Kind, create_key
from tests.api.conftest import MINTED, ApiClient
from tests.console_keys.conftest import create_via_console, nonce_of, raw_keys_in

CONSOLE_CELLS = [
    pytest.param("owner", "retrieve", "owner", "ok"),
    pytest.param("owner", "retrieve", "admin", "ok"),
    pytest.param("owner", "retrieve", "member", "ok"),
    pytest.param("owner", "retrieve", "team", "ok"),
    pytest.param("owner", "retrieve", "foreign", "404"),
    pytest.param("owner", "regenerate", "owner", "ok"),
    pytest.param("owner", "regenerate", "admin", "403"),
    pytest.param("owner", "regenerate", "member", "403"),
    pytest.param("owner", "regenerate", "team", "ok"),
    pytest.param("owner", "regenerate", "foreign", "404"),
    pytest.param("owner", "revoke", "owner", "ok"),
    pytest.param("owner", "revoke", "admin", "ok"),
    pytest.param("owner", "revoke", "member", "ok"),
    pytest.param("owner", "revoke", "team", "ok"),
    pytest.param("owner", "revoke", "foreign", "404"),
    pytest.param("admin", "retrieve", "owner", "ok"),
    pytest.param("admin", "retrieve", "admin", "ok"),
    pytest.param("admin", "retrieve", "member", "ok"),
    pytest.param("admin", "retrieve", "team", "ok"),
    pytest.param("admin", "retrieve", "foreign", "404"),
    pytest.param("admin", "regenerate", "owner", "403"),
    pytest.param("admin", "regenerate", "admin", "ok"),
    pytest.param("admin", "regenerate", "member", "403"),
    pytest.param("admin", "regenerate", "team", "ok"),
    pytest.param("admin", "regenerate", "foreign", "404"),
    pytest.param("admin", "revoke", "owner", "ok"),
    pytest.param("admin", "revoke", "admin", "ok"),
    pytest.param("admin", "revoke", "member", "ok"),
    pytest.param("admin", "revoke", "team", "ok"),
    pytest.param("admin", "revoke", "foreign", "404"),
    pytest.param("member", "retrieve", "owner", "404"),
    pytest.param("member", "retrieve", "admin", "404"),
    pytest.param("member", "retrieve", "member", "ok"),
    pytest.param("member", "retrieve", "team", "404"),
    pytest.param("member", "retrieve", "foreign", "404"),
    pytest.param("member", "regenerate", "owner", "404"),
    pytest.param("member", "regenerate", "admin", "404"),
    pytest.param("member", "regenerate", "member", "ok"),
    pytest.param("member", "regenerate", "team", "404"),
    pytest.param("member", "regenerate", "foreign", "404"),
    pytest.param("member", "revoke", "owner", "404"),
    pytest.param("member", "revoke", "admin", "404"),
    pytest.param("member", "revoke", "member", "ok"),
    pytest.param("member", "revoke", "team", "404"),
    pytest.param("member", "revoke", "foreign", "404"),
    pytest.param("outsider", "retrieve", "owner", "404"),
    pytest.param("outsider", "retrieve", "admin", "404"),
    pytest.param("outsider", "retrieve", "member", "404"),
    pytest.param("outsider", "retrieve", "team", "404"),
    pytest.param("outsider", "retrieve", "foreign", "ok"),
    pytest.param("outsider", "regenerate", "owner", "404"),
    pytest.param("outsider", "regenerate", "admin", "404"),
    pytest.param("outsider", "regenerate", "member", "404"),
    pytest.param("outsider", "regenerate", "team", "404"),
    pytest.param("outsider", "regenerate", "foreign", "ok"),
    pytest.param("outsider", "revoke", "owner", "404"),
    pytest.param("outsider", "revoke", "admin", "404"),
    pytest.param("outsider", "revoke", "member", "404"),
    pytest.param("outsider", "revoke", "team", "404"),
    pytest.param("outsider", "revoke", "foreign", "ok"),
]

API_CELLS = [
    pytest.param("owner_full", "retrieve", "owner", "ok"),
    pytest.param("owner_full", "retrieve", "admin", "ok"),
    pytest.param("owner_full", "retrieve", "member", "ok"),
    pytest.param("owner_full", "retrieve", "team", "ok"),
    pytest.param("owner_full", "retrieve", "foreign", "404"),
    pytest.param("owner_full", "regenerate", "owner", "ok"),
    pytest.param(
        "owner_full", "regenerate", "admin", "forbidden", id="owner_full-regenerate-admin"
    ),
    pytest.param(
        "owner_full", "regenerate", "member", "forbidden", id="owner_full-regenerate-member"
    ),
    pytest.param("owner_full", "regenerate", "team", "ok"),
    pytest.param("owner_full", "regenerate", "foreign", "404"),
    pytest.param("owner_full", "revoke", "owner", "ok"),
    pytest.param("owner_full", "revoke", "admin", "ok"),
    pytest.param("owner_full", "revoke", "member", "ok"),
    pytest.param("owner_full", "revoke", "team", "ok"),
    pytest.param("owner_full", "revoke", "foreign", "404"),
    pytest.param("owner_write", "retrieve", "owner", "scope"),
    pytest.param("owner_write", "retrieve", "admin", "scope"),
    pytest.param("owner_write", "retrieve", "member", "scope"),
    pytest.param("owner_write", "retrieve", "team", "scope"),
    pytest.param("owner_write", "retrieve", "foreign", "scope"),
    pytest.param("owner_write", "regenerate", "owner", "scope"),
    pytest.param(
        "owner_write", "regenerate", "admin", "forbidden", id="owner_write-regenerate-admin"
    ),
    pytest.param(
        "owner_write", "regenerate", "member", "forbidden", id="owner_write-regenerate-member"
    ),
    pytest.param("owner_write", "regenerate", "team", "scope"),
    pytest.param(
        "owner_write", "regenerate", "foreign", "404", id="owner_write-regenerate-foreign"
    ),
    pytest.param("owner_write", "revoke", "owner", "ok"),
    pytest.param("owner_write", "revoke", "admin", "ok"),
    pytest.param("owner_write", "revoke", "member", "ok"),
    pytest.param("owner_write", "revoke", "team", "ok"),
    pytest.param("owner_write", "revoke", "foreign", "404"),
    pytest.param("admin_full", "retrieve", "owner", "ok"),
    pytest.param("admin_full", "retrieve", "admin", "ok"),
    pytest.param("admin_full", "retrieve", "member", "ok"),
    pytest.param("admin_full", "retrieve", "team", "ok"),
    pytest.param("admin_full", "retrieve", "foreign", "404"),
    pytest.param(
        "admin_full", "regenerate", "owner", "forbidden", id="admin_full-regenerate-owner"
    ),
    pytest.param("admin_full", "regenerate", "admin", "ok"),
    pytest.param(
        "admin_full", "regenerate", "member", "forbidden", id="admin_full-regenerate-member"
    ),
    pytest.param("admin_full", "regenerate", "team", "ok"),
    pytest.param("admin_full", "regenerate", "foreign", "404"),
    pytest.param("admin_full", "revoke", "owner", "ok"),
    pytest.param("admin_full", "revoke", "admin", "ok"),
    pytest.param("admin_full", "revoke", "member", "ok"),
    pytest.param("admin_full", "revoke", "team", "ok"),
    pytest.param("admin_full", "revoke", "foreign", "404"),
    pytest.param("admin_write", "retrieve", "owner", "scope"),
    pytest.param("admin_write", "retrieve", "admin", "scope"),
    pytest.param("admin_write", "retrieve", "member", "scope"),
    pytest.param("admin_write", "retrieve", "team", "scope"),
    pytest.param("admin_write", "retrieve", "foreign", "scope"),
    pytest.param(
        "admin_write", "regenerate", "owner", "forbidden", id="admin_write-regenerate-owner"
    ),
    pytest.param("admin_write", "regenerate", "admin", "scope"),
    pytest.param(
        "admin_write", "regenerate", "member", "forbidden", id="admin_write-regenerate-member"
    ),
    pytest.param("admin_write", "regenerate", "team", "scope"),
    pytest.param(
        "admin_write", "regenerate", "foreign", "404", id="admin_write-regenerate-foreign"
    ),
    pytest.param("admin_write", "revoke", "owner", "ok"),
    pytest.param("admin_write", "revoke", "admin", "ok"),
    pytest.param("admin_write", "revoke", "member", "ok"),
    pytest.param("admin_write", "revoke", "team", "ok"),
    pytest.param("admin_write", "revoke", "foreign", "404"),
    pytest.param("member_full", "retrieve", "owner", "404"),
    pytest.param("member_full", "retrieve", "admin", "404"),
    pytest.param("member_full", "retrieve", "member", "ok"),
    pytest.param("member_full", "retrieve", "team", "404"),
    pytest.param("member_full", "retrieve", "foreign", "404"),
    pytest.param("member_full", "regenerate", "owner", "404"),
    pytest.param("member_full", "regenerate", "admin", "404"),
    pytest.param("member_full", "regenerate", "member", "ok"),
    pytest.param("member_full", "regenerate", "team", "404"),
    pytest.param(
        "member_full", "regenerate", "foreign", "404", id="member_full-regenerate-foreign"
    ),
    pytest.param("member_full", "revoke", "owner", "404"),
    pytest.param("member_full", "revoke", "admin", "404"),
    pytest.param("member_full", "revoke", "member", "ok"),
    pytest.param("member_full", "revoke", "team", "404"),
    pytest.param("member_full", "revoke", "foreign", "404"),
    pytest.param("member_write", "retrieve", "owner", "scope"),
    pytest.param("member_write", "retrieve", "admin", "scope"),
    pytest.param("member_write", "retrieve", "member", "scope"),
    pytest.param("member_write", "retrieve", "team", "scope"),
    pytest.param(
        "member_write", "retrieve", "foreign", "scope", id="member_write-retrieve-foreign"
    ),
    pytest.param("member_write", "regenerate", "owner", "404"),
    pytest.param("member_write", "regenerate", "admin", "404"),
    pytest.param(
        "member_write", "regenerate", "member", "scope", id="member_write-regenerate-member"
    ),
    pytest.param("member_write", "regenerate", "team", "404"),
    pytest.param(
        "member_write", "regenerate", "foreign", "404", id="member_write-regenerate-foreign"
    ),
    pytest.param("member_write", "revoke", "owner", "404"),
    pytest.param("member_write", "revoke", "admin", "404"),
    pytest.param("member_write", "revoke", "member", "ok"),
    pytest.param("member_write", "revoke", "team", "404"),
    pytest.param("member_write", "revoke", "foreign", "404"),
    pytest.param("team_full", "retrieve", "owner", "ok"),
    pytest.param("team_full", "retrieve", "admin", "ok"),
    pytest.param("team_full", "retrieve", "member", "ok"),
    pytest.param("team_full", "retrieve", "team", "ok"),
    pytest.param("team_full", "retrieve", "foreign", "404"),
    pytest.param("team_full", "regenerate", "owner", "forbidden"),
    pytest.param("team_full", "regenerate", "admin", "forbidden"),
    pytest.param(
        "team_full", "regenerate", "member", "forbidden", id="team_full-regenerate-member"
    ),
    pytest.param("team_full", "regenerate", "team", "ok"),
    pytest.param("team_full", "regenerate", "foreign", "404"),
    pytest.param("team_full", "revoke", "owner", "ok"),
    pytest.param("team_full", "revoke", "admin", "ok"),
    pytest.param("team_full", "revoke", "member", "ok"),
    pytest.param("team_full", "revoke", "team", "ok"),
    pytest.param("team_full", "revoke", "foreign", "404"),
    pytest.param("team_write", "retrieve", "owner", "scope"),
    pytest.param("team_write", "retrieve", "admin", "scope"),
    pytest.param("team_write", "retrieve", "member", "scope"),
    pytest.param("team_write", "retrieve", "team", "scope"),
    pytest.param("team_write", "retrieve", "foreign", "scope"),
    pytest.param(
        "team_write", "regenerate", "owner", "forbidden", id="team_write-regenerate-owner"
    ),
    pytest.param(
        "team_write", "regenerate", "admin", "forbidden", id="team_write-regenerate-admin"
    ),
    pytest.param(
        "team_write", "regenerate", "member", "forbidden", id="team_write-regenerate-member"
    ),
    pytest.param("team_write", "regenerate", "team", "scope"),
    pytest.param("team_write", "regenerate", "foreign", "404"),
    pytest.param("team_write", "revoke", "owner", "ok"),
    pytest.param("team_write", "revoke", "admin", "ok"),
    pytest.param("team_write", "revoke", "member", "ok"),
    pytest.param("team_write", "revoke", "team", "ok"),
    pytest.param("team_write", "revoke", "foreign", "404"),
    pytest.param("outsider_full", "retrieve", "owner", "404"),
    pytest.param("outsider_full", "retrieve", "admin", "404"),
    pytest.param("outsider_full", "retrieve", "member", "404"),
    pytest.param("outsider_full", "retrieve", "team", "404"),
    pytest.param("outsider_full", "retrieve", "foreign", "ok"),
    pytest.param(
        "outsider_full", "regenerate", "owner", "404", id="outsider_full-regenerate-owner"
    ),
    pytest.param(
        "outsider_full", "regenerate", "admin", "404", id="outsider_full-regenerate-admin"
    ),
    pytest.param(
        "outsider_full", "regenerate", "member", "404", id="outsider_full-regenerate-member"
    ),
    pytest.param("outsider_full", "regenerate", "team", "404"),
    pytest.param(
        "outsider_full", "regenerate", "foreign", "ok", id="outsider_full-regenerate-foreign"
    ),
    pytest.param("outsider_full", "revoke", "owner", "404"),
    pytest.param("outsider_full", "revoke", "admin", "404"),
    pytest.param("outsider_full", "revoke", "member", "404"),
    pytest.param("outsider_full", "revoke", "team", "404"),
    pytest.param("outsider_full", "revoke", "foreign", "ok"),
]


CONSOLE_LISTS = [
    pytest.param("owner", {"owner", "admin", "member", "team"}, id="owner"),
    pytest.param("admin", {"owner", "admin", "member", "team"}, id="admin"),
    pytest.param("member", {"member"}, id="member"),
    pytest.param("outsider", {"foreign"}, id="outsider"),
]

API_LISTS = [
    pytest.param("owner_full", {"owner", "admin", "member", "team"}, id="owner_full"),
    pytest.param("owner_write", "scope", id="owner_write"),
    pytest.param("admin_full", {"owner", "admin", "member", "team"}, id="admin_full"),
    pytest.param("admin_write", "scope", id="admin_write"),
    pytest.param("member_full", {"member"}, id="member_full"),
    pytest.param("member_write", "scope", id="member_write"),
    pytest.param("team_full", {"owner", "admin", "member", "team"}, id="team_full"),
    pytest.param("team_write", "scope", id="team_write"),
    pytest.param("outsider_full", {"foreign"}, id="outsider_full"),
]

CONSOLE_CREATES = [
    pytest.param("owner", "user", "ok", id="owner-user"),
    pytest.param("owner", "team", "ok", id="owner-team"),
    pytest.param("admin", "user", "ok", id="admin-user"),
    pytest.param("admin", "team", "ok", id="admin-team"),
    pytest.param("member", "user", "ok", id="member-user"),
    pytest.param("member", "team", "403", id="member-team"),
    pytest.param("outsider", "user", "ok", id="outsider-user"),
    pytest.param("outsider", "team", "ok", id="outsider-team"),
]

API_CREATES = [
    pytest.param("owner_full", "user", "ok", id="owner_full-user"),
    pytest.param("owner_full", "team", "ok", id="owner_full-team"),
    pytest.param("owner_write", "user", "ok", id="owner_write-user"),
    pytest.param("owner_write", "team", "ok", id="owner_write-team"),
    pytest.param("admin_full", "user", "ok", id="admin_full-user"),
    pytest.param("admin_full", "team", "ok", id="admin_full-team"),
    pytest.param("admin_write", "user", "ok", id="admin_write-user"),
    pytest.param("admin_write", "team", "ok", id="admin_write-team"),
    pytest.param("member_full", "user", "ok", id="member_full-user"),
    pytest.param("member_full", "team", "forbidden", id="member_full-team"),
    pytest.param("member_write", "user", "ok", id="member_write-user"),
    pytest.param("member_write", "team", "forbidden", id="member_write-team"),
    pytest.param("team_full", "user", "forbidden", id="team_full-user"),
    pytest.param("team_full", "team", "ok", id="team_full-team"),
    pytest.param("team_write", "user", "forbidden", id="team_write-user"),
    pytest.param("team_write", "team", "ok", id="team_write-team"),
    pytest.param("outsider_full", "user", "ok", id="outsider_full-user"),
    pytest.param("outsider_full", "team", "ok", id="outsider_full-team"),
]


def _mint(tenant: Any, user: Any, name: str, scopes: list[str] | None = None) -> tuple[ApiKey, str]:
    kind = Kind.USER if user is not None else Kind.TEAM
    key, raw = create_key(tenant=tenant, kind=kind, user=user, name=name, scopes=scopes)
    MINTED.append(raw)
    return key, raw


@pytest.fixture
def world(tenant, other_tenant, owner, admin, member, outsider) -> dict[str, Any]:
    """The target keys, and the keys and people who act on them."""
    targets = {
        "owner": _mint(tenant, owner, "Owner laptop")[0],
        "admin": _mint(tenant, admin, "Admin laptop")[0],
        "member": _mint(tenant, member, "Member laptop")[0],
        "team": _mint(tenant, None, "CI deploy")[0],
        "foreign": _mint(other_tenant, outsider, "Globex laptop")[0],
    }
    people = {"owner": owner, "admin": admin, "member": member, "outsider": outsider}
    write = ["keys:write"]
    keys = {
        "owner_full": _mint(tenant, owner, "owner full")[1],
        "owner_write": _mint(tenant, owner, "owner write", write)[1],
        "admin_full": _mint(tenant, admin, "admin full")[1],
        "admin_write": _mint(tenant, admin, "admin write", write)[1],
        "member_full": _mint(tenant, member, "member full")[1],
        "member_write": _mint(tenant, member, "member write", write)[1],
        "team_full": _mint(tenant, None, "team full")[1],
        "team_write": _mint(tenant, None, "team write", write)[1],
        "outsider_full": _mint(other_tenant, outsider, "outsider full")[1],
    }
    return {"targets": targets, "people": people, "keys": keys}


def snapshot() -> tuple[list[Any], int]:
    """Everything a key action could change: every key's secret, state and scopes, and the
    audit log's length."""
    rows = ApiKey.objects.order_by("pk").values_list(
        "pk", "name", "digest", "previous_digest", "revoked_at", "expires_at", "scopes"
    )
    return list(rows), AuditEvent.objects.count()


def console_outcome(response: Any) -> str:
    return {200: "ok", 302: "ok", 403: "403", 404: "404"}.get(response.status_code, "?")


def api_outcome(response: Any) -> str:
    if response.status_code in (200, 201):
        return "ok"
    if response.status_code == 403:
        return {"insufficient_scope": "scope", "forbidden": "forbidden"}[
            response.json()["error"]["code"]
        ]
    return str(response.status_code)


def console_act(client: Client, action: str, key: ApiKey) -> Any:
    base = f"/console/api-keys/{key.public_id}"
    if action == "retrieve":
        return client.get(f"{base}/created")
    if action == "revoke":
        return client.post(f"{base}/revoke")
    form = client.get(f"{base}/regenerate")
    nonce = nonce_of(form) if form.status_code == 200 else "made-up"
    return client.post(f"{base}/regenerate", {"nonce": nonce, "grace": ""})


def api_act(client: ApiClient, action: str, key: ApiKey) -> Any:
    url = f"/api/v1/keys/{key.public_id}"
    if action == "retrieve":
        return client.get(url)
    if action == "revoke":
        return client.delete(url)
    return client.post_json(f"{url}/regenerate")


def assert_effect(action: str, key: ApiKey, response: Any, before: ApiKey) -> None:
    key.refresh_from_db()
    if action == "revoke":
        assert key.revoked_at is not None
    elif action == "regenerate":
        assert key.digest != before.digest
        assert len(raw_keys_in(response)) == 1
    else:
        assert not raw_keys_in(response)


@pytest.mark.parametrize(("actor", "action", "target", "expected"), CONSOLE_CELLS)
def test_console(world, client_for, actor, action, target, expected):
    key = world["targets"][target]
    before_key = ApiKey.objects.get(pk=key.pk)
    before = snapshot()
    response = console_act(client_for(world["people"][actor]), action, key)
    assert console_outcome(response) == expected
    if expected == "ok":
        assert_effect(action, key, response, before_key)
    else:
        assert snapshot() == before
        assert not raw_keys_in(response)


@pytest.mark.parametrize(("actor", "action", "target", "expected"), API_CELLS)
def test_api(world, actor, action, target, expected):
    key = world["targets"][target]
    before_key = ApiKey.objects.get(pk=key.pk)
    before = snapshot()
    response = api_act(ApiClient(world["keys"][actor]), action, key)
    assert api_outcome(response) == expected, response.content
    if expected == "ok":
        assert_effect(action, key, response, before_key)
    else:
        assert snapshot() == before
        assert not raw_keys_in(response)


def _named(world: dict[str, Any], text: str) -> set[str]:
    return {name for name, key in world["targets"].items() if key.public_id in text}


@pytest.mark.parametrize(("actor", "expected"), CONSOLE_LISTS)
def test_console_list(world, client_for, actor, expected):
    response = client_for(world["people"][actor]).get("/console/api-keys")
    assert response.status_code == 200
    assert _named(world, response.content.decode()) == expected


@pytest.mark.parametrize(("actor", "expected"), API_LISTS)
def test_api_list(world, actor, expected):
    response = ApiClient(world["keys"][actor]).get("/api/v1/keys?limit=100")
    if expected == "scope":
        assert api_outcome(response) == "scope"
    else:
        assert response.status_code == 200
        assert _named(world, response.content.decode()) == expected


@pytest.mark.parametrize(("actor", "kind", "expected"), CONSOLE_CREATES)
def test_console_create(world, client_for, actor, kind, expected):
    before = snapshot()
    response = create_via_console(client_for(world["people"][actor]), name="New key", kind=kind)
    assert console_outcome(response) == expected
    if expected == "ok":
        assert ApiKey.objects.get(name="New key", revoked_at=None).kind == kind
        assert len(raw_keys_in(response)) == 1
    else:
        assert snapshot() == before
        assert not raw_keys_in(response)


@pytest.mark.parametrize(("actor", "kind", "expected"), API_CREATES)
def test_api_create(world, actor, kind, expected):
    before = snapshot()
    client = ApiClient(world["keys"][actor])
    response = client.post_json("/api/v1/keys", {"name": "New key", "kind": kind})
    assert api_outcome(response) == expected, response.content
    if expected == "ok":
        MINTED.append(response.json()["key"])
        created = ApiKey.objects.get(public_id=response.json()["id"])
        assert created.kind == kind
        acting = ApiKey.objects.get(digest=_digest(world["keys"][actor]))
        assert set(created.scopes) <= set(acting.scopes)
    else:
        assert snapshot() == before
        assert not raw_keys_in(response)


def _digest(raw: str) -> str:
    from apikeys.crypto import digest

    return digest(raw)
