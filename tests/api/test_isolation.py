"""Tenant isolation, driven by the OpenAPI schema: every path that takes an id, with every
method it allows, called with another tenant's key is a 404 and changes nothing; every list
leaves out the other tenant's rows. New endpoints are covered as soon as they are routed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Tenant, User
from core.tenancy import TenantQuerySet, tenant_rows
from tests.api.conftest import ApiClient, mint
from tests.demo_snapshot import session_snapshot

METHODS = ("get", "post", "put", "patch", "delete")


def schema_paths() -> dict[str, list[str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path: [m for m in operations if m in METHODS]
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
    }


def model_of(path: str) -> type[Any]:
    view = resolve(path.replace("{id}", "key_x")).func
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    model = getattr(cls, "model", None) or getattr(getattr(cls, "queryset", None), "model", None)
    assert model is not None, f"{path}: declare `model` on the view (TenantScopedViewSet)"
    return model


def tenant_models() -> list[type[Any]]:
    """Tenant-owned models addressed by a public id (whose table exists yet)."""
    tables = set(connection.introspection.table_names())
    return [
        m
        for m in apps.get_models()
        if isinstance(m._default_manager.all(), TenantQuerySet)
        and any(f.name == "public_id" for f in m._meta.fields)
        and m._meta.db_table in tables
    ]


def snapshot() -> dict[str, Any]:
    """Every row of every tenant-owned model with a public id, as plain values (but the
    attacker's own key's last use, which the request rightly records)."""
    return {
        m.__name__: [
            {k: v for k, v in row.items() if not k.startswith("last_used")}
            for row in m._default_manager.order_by("pk").values()
        ]
        for m in tenant_models()
    }


@pytest.fixture(scope="module")
def demo_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo data (keys, and whatever other apps load; see tests/demo_snapshot.py) plus a
    full key for each owner, loaded once for the module in a transaction that is rolled back
    after it. Each test runs in a savepoint inside it, so what one test changes the next does
    not see."""
    with django_db_blocker.unblock(), transaction.atomic():
        session_snapshot().restore()
        acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
        _, acme_raw = mint(acme, User.objects.get(email="owner@acme.test"), name="iso acme")
        _, globex_raw = mint(globex, User.objects.get(email="owner@globex.test"), name="iso globex")
        yield {"acme": acme, "globex": globex, "acme_raw": acme_raw, "globex_raw": globex_raw}
        transaction.set_rollback(True)


@pytest.fixture
def world(demo_world: dict[str, Any], db: None) -> dict[str, Any]:
    return demo_world


def call(client: ApiClient, method: str, url: str) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, "{}", "application/json")


ID_PATHS = [(p, m) for p, methods in schema_paths().items() if "{" in p for m in methods]
LIST_PATHS = [p for p, methods in schema_paths().items() if "{" not in p and "get" in methods]


def test_the_matrix_covers_the_key_endpoints():
    assert ("/api/v1/keys/{id}", "delete") in ID_PATHS
    assert ("/api/v1/keys/{id}/regenerate", "post") in ID_PATHS
    assert "/api/v1/keys" in LIST_PATHS


@pytest.mark.parametrize(("path", "method"), ID_PATHS)
def test_another_tenants_id_is_404_and_changes_nothing(world, path, method):
    model = model_of(path)
    rows = list(tenant_rows(model, world["acme"]).order_by("pk")[:3])
    assert rows, f"the demo data has no {model.__name__} of acme to attack"
    before = snapshot()
    client = ApiClient(world["globex_raw"])
    for row in rows:
        url = path.replace("{id}", row.public_id)
        response = call(client, method, url)
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["error"]["code"] == "not_found"
    assert snapshot() == before


@pytest.mark.parametrize(("path", "method"), ID_PATHS)
def test_own_tenants_id_is_found(world, path, method):
    """The 404 above is isolation, not a broken route: the owner's key reaches the row."""
    model = model_of(path)
    row = tenant_rows(model, world["acme"]).first()
    assert row is not None
    url = path.replace("{id}", row.public_id)
    response = call(ApiClient(world["acme_raw"]), method, url)
    assert response.status_code != 404, response.content


@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize(("caller", "other"), [("globex", "acme"), ("acme", "globex")])
def test_lists_never_contain_another_tenants_ids(world, path, caller, other):
    foreign = {
        row.public_id for model in tenant_models() for row in tenant_rows(model, world[other])
    }
    assert foreign
    response = ApiClient(world[f"{caller}_raw"]).get(path)
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert not {public_id for public_id in foreign if public_id in body}
