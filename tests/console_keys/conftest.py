"""Keys for every kind of owner, and helpers that drive the console forms like a browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Tenant, User
from apikeys.models import ApiKey, Kind, create_key

NONCE_RE = re.compile(r'name="nonce" value="([^"]+)"')
RAW_RE = re.compile(r"kw_(?:user|team)_[0-9a-f]{72}")


def nonce_of(response: Any) -> str:
    match = NONCE_RE.search(response.content.decode())
    assert match, "the form carries a nonce"
    return match.group(1)


def create_via_console(client: Client, **data: Any) -> Any:
    """Open the create form (which issues a nonce), then submit it."""
    nonce = nonce_of(client.get("/console/api-keys/new"))
    return client.post("/console/api-keys/new", {"kind": "user", "nonce": nonce, **data})


def regenerate_via_console(client: Client, key: ApiKey, grace: str = "") -> Any:
    url = f"/console/api-keys/{key.public_id}/regenerate"
    nonce = nonce_of(client.get(url))
    return client.post(url, {"nonce": nonce, "grace": grace})


def raw_keys_in(response: Any) -> set[str]:
    return set(RAW_RE.findall(response.content.decode()))


def snapshot() -> list[Any]:
    """Everything a key action could change."""
    return sorted(
        ApiKey.objects.values_list(
            "id", "name", "digest", "previous_digest", "revoked_at", "tenant_id", "user_id"
        )
    )


def assert_not_in_database(raw: str) -> None:
    """Every column of every table, as text: the raw key is nowhere."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                assert raw not in repr(row), f"raw key found in table {table}"


def user_key(tenant: Tenant, user: User, name: str, **extra: Any) -> ApiKey:
    return create_key(tenant=tenant, kind=Kind.USER, name=name, user=user, **extra)[0]


def team_key(tenant: Tenant, name: str, **extra: Any) -> ApiKey:
    return create_key(tenant=tenant, kind=Kind.TEAM, name=name, **extra)[0]


@pytest.fixture
def keys(tenant, other_tenant, owner, admin, member, outsider) -> dict[str, ApiKey]:
    return {
        "owner": user_key(tenant, owner, "Owner laptop"),
        "admin": user_key(tenant, admin, "Admin laptop"),
        "member": user_key(tenant, member, "Member laptop"),
        "team": team_key(tenant, "CI deploy"),
        "outsider": user_key(other_tenant, outsider, "Globex laptop"),
        "outsider_team": team_key(other_tenant, "Globex CI"),
    }
