"""The compiled key lookup returns exactly what the plain ORM queryset returns, for every
state a key can be in; APIKEY_LOOKUP=orm switches authentication to the plain queryset."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Membership, SecurityPolicy, Tenant, User
from apikeys import crypto, keys, lookup
from apikeys.models import ApiKey
from core.acting import Actor, Principal
from tests.api.conftest import ApiClient, mint

FIELDS = [field.attname for field in ApiKey._meta.concrete_fields]


def described(key: ApiKey | None) -> Any:
    """Everything authentication reads from a looked-up key."""
    if key is None:
        return None
    return (
        {name: getattr(key, name) for name in FIELDS},
        key.state,
        key.tenant.is_active,
        key.user.email if key.user else None,
        key.user.is_active if key.user else None,
        key.membership.role if key.membership else None,
        getattr(key, "lacks_mfa", None),
    )


def regenerated(tenant: Tenant, owner: User, grace: timedelta | None) -> str:
    """The old secret of a key regenerated with this grace."""
    key, old = mint(tenant, owner, name=f"rolled {grace}")
    principal = Principal.of_membership(Membership.objects.get(user=owner, tenant=tenant))
    keys.regenerate(Actor.system(), principal, key, grace)
    return old


STATES = [
    pytest.param("active", id="active"),
    pytest.param("expired", id="expired"),
    pytest.param("revoked", id="revoked"),
    pytest.param("member removed", id="inactive-membership"),
    pytest.param("user deactivated", id="inactive-user"),
    pytest.param("organisation inactive", id="inactive-organisation"),
    pytest.param("user lacks required MFA", id="inactive-mfa"),
    pytest.param("team", id="team"),
    pytest.param("old secret in grace", id="old-secret-in-grace"),
    pytest.param("old secret after grace", id="old-secret-after-grace"),
    pytest.param("unknown", id="unknown"),
]


def raw_in_state(case: str, tenant: Tenant, owner: User, member: User) -> str:
    now = timezone.now()
    if case == "old secret in grace":
        return regenerated(tenant, owner, timedelta(hours=1))
    if case == "old secret after grace":
        return regenerated(tenant, owner, None)
    if case == "unknown":
        return crypto.generate("user")
    key, raw = mint(tenant, None if case == "team" else member, name=case)
    if case == "expired":
        ApiKey.objects.filter(pk=key.pk).update(expires_at=now - timedelta(seconds=1))
    elif case == "revoked":
        ApiKey.objects.filter(pk=key.pk).update(revoked_at=now)
    elif case == "member removed":
        Membership.objects.filter(user=member).delete()
    elif case == "user deactivated":
        User.objects.filter(pk=member.pk).update(is_active=False)
    elif case == "organisation inactive":
        Tenant.objects.filter(pk=tenant.pk).update(is_active=False)
    elif case == "user lacks required MFA":
        SecurityPolicy.objects.create(tenant=tenant, require_mfa=True)
    return raw


@pytest.mark.parametrize("case", STATES)
def test_the_compiled_lookup_equals_the_orm(tenant, owner, member, case):
    digest = crypto.digest(raw_in_state(case, tenant, owner, member))
    now = timezone.now()
    compiled = lookup.find_by_digest(digest, now)
    plain = lookup.find_with_orm(digest, now)
    assert described(compiled) == described(plain)
    if case == "unknown":
        assert compiled is None
    if case == "user lacks required MFA":
        assert compiled is not None and (compiled.state, getattr(compiled, "lacks_mfa", None)) == (
            "inactive",
            True,
        )


@pytest.mark.parametrize("setting", ["compiled", "orm"])
def test_authentication_costs_one_query_either_way(settings, tenant, owner, sql_queries, setting):
    settings.APIKEY_LOOKUP = setting
    _, raw = mint(tenant, owner, name="either")
    client = ApiClient(raw)
    client.get("/api/v1/whoami")  # last use written; the next request only reads
    with sql_queries() as queries:
        assert client.get("/api/v1/whoami").status_code == 200
    key_queries = [q for q in queries if "apikeys_apikey" in q["sql"]]
    assert len(key_queries) == 1
