"""API fixtures: keys for the shared users, and a client that sends a key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import Tenant, User
from apikeys.models import ApiKey, Kind, create_key

MINTED: list[str] = []  # every raw key the API tests minted, for the leak scans


def mint(tenant: Tenant, user: User | None = None, **extra: Any) -> tuple[ApiKey, str]:
    extra.setdefault("name", f"key {len(MINTED)}")
    kind = Kind.USER if user is not None else Kind.TEAM
    key, raw = create_key(tenant=tenant, kind=kind, user=user, created_by=user, **extra)
    MINTED.append(raw)
    return key, raw


class ApiClient(Client):
    """A test client that sends its key as `Authorization: Bearer`."""

    def __init__(self, raw: str | None = None, **defaults: Any) -> None:
        if raw is not None:
            defaults.setdefault("HTTP_AUTHORIZATION", f"Bearer {raw}")
        super().__init__(**defaults)

    def post_json(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.post(path, data if data is not None else {}, "application/json", **extra)


@pytest.fixture
def api() -> Callable[..., ApiClient]:
    return ApiClient


@pytest.fixture
def owner_key(tenant: Tenant, owner: User) -> tuple[ApiKey, str]:
    return mint(tenant, owner, name="owner key")


@pytest.fixture
def member_key(tenant: Tenant, member: User) -> tuple[ApiKey, str]:
    return mint(tenant, member, name="member key")


@pytest.fixture
def team_key(tenant: Tenant, owner: User) -> tuple[ApiKey, str]:
    return mint(tenant, None, name="team key")


@pytest.fixture
def outsider_key(other_tenant: Tenant, outsider: User) -> tuple[ApiKey, str]:
    return mint(other_tenant, outsider, name="outsider key")
