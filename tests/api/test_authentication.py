"""Key authentication: headers, shapes, the §4 codes, and what a lookup costs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership
from apikeys import crypto
from apikeys.keys import regenerate
from apikeys.models import ApiKey
from core.acting import Actor, Principal
from tests.api.conftest import ApiClient, mint

WHOAMI = "/api/v1/whoami"


def error_code(response) -> str:
    return response.json()["error"]["code"]


def non_cache_queries(captured: CaptureQueriesContext) -> list[str]:
    """SQL run by the request itself: the database store's rate-limit counters (and the
    savepoints it wraps them in) excluded. On Redis there are none to exclude."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if not any(word in q["sql"] for word in ("keyward_cache", "core_ratecounter", "SAVEPOINT"))
    ]


def bad_variants(raw: str) -> dict[str, str]:
    head = raw[:-8]
    wrong_check = head + ("0" * 8 if raw[-8:] != "0" * 8 else "1" * 8)
    test_prefix = "kw_test_" + raw[len("kw_user_") :]
    return {
        "wrong checksum": wrong_check,
        "truncated": raw[:-1],
        "upper-cased": raw.upper(),
        "leading space": " " + raw,
        "trailing newline": raw + "\n",
        "the digest itself": crypto.digest(raw),
        "another prefix": test_prefix,
        "another prefix, valid checksum": test_prefix[:-8] + crypto.checksum(test_prefix[:-8]),
        "garbage": "hunter2",
    }


@pytest.mark.parametrize(
    "variant",
    [
        "wrong checksum",
        "truncated",
        "upper-cased",
        "leading space",
        "trailing newline",
        "the digest itself",
        "another prefix",
        "another prefix, valid checksum",
        "garbage",
    ],
)
def test_malformed_key_is_refused_without_any_sql(owner_key, variant):
    bad = bad_variants(owner_key[1])[variant]
    with CaptureQueriesContext(connection) as captured:
        response = ApiClient(bad).get(WHOAMI)
    assert response.status_code == 401
    assert error_code(response) == "malformed_key"
    assert response["WWW-Authenticate"] == "Bearer"
    assert [q for q in non_cache_queries(captured) if "apikeys_apikey" in q] == []


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "missing_key"),
        ({"HTTP_AUTHORIZATION": ""}, 401, "missing_key"),
        ({"HTTP_AUTHORIZATION": "Bearer"}, 401, "missing_key"),
        ({"HTTP_AUTHORIZATION": "Bearer "}, 401, "missing_key"),
        ({"HTTP_X_API_KEY": ""}, 401, "missing_key"),
        ({"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}, 401, "missing_key"),
    ],
)
def test_absent_key_is_missing_key(db, headers, status, code):
    response = ApiClient(**headers).get(WHOAMI)
    assert (response.status_code, error_code(response)) == (status, code)
    assert response["WWW-Authenticate"] == "Bearer"


def test_key_in_the_query_string_is_ignored(owner_key):
    response = ApiClient().get(WHOAMI, {"key": owner_key[1], "api_key": owner_key[1]})
    assert (response.status_code, error_code(response)) == (401, "missing_key")


def test_well_formed_unknown_key_is_invalid_key(db):
    response = ApiClient(crypto.generate("user")).get(WHOAMI)
    assert (response.status_code, error_code(response)) == (401, "invalid_key")


def test_x_api_key_header_authenticates(owner_key):
    response = ApiClient(HTTP_X_API_KEY=owner_key[1]).get(WHOAMI)
    assert response.status_code == 200
    assert response.json()["email"] == "owner@acme.test"


def test_same_key_in_both_headers_is_fine(owner_key):
    response = ApiClient(owner_key[1], HTTP_X_API_KEY=owner_key[1]).get(WHOAMI)
    assert response.status_code == 200


def test_two_different_keys_are_a_400(owner_key, member_key):
    response = ApiClient(owner_key[1], HTTP_X_API_KEY=member_key[1]).get(WHOAMI)
    assert (response.status_code, error_code(response)) == (400, "invalid_request")


def test_bearer_scheme_is_case_insensitive(owner_key):
    response = ApiClient(HTTP_AUTHORIZATION=f"bearer {owner_key[1]}").get(WHOAMI)
    assert response.status_code == 200


def test_whoami_describes_a_user_key(owner_key, tenant):
    body = ApiClient(owner_key[1]).get(WHOAMI).json()
    assert body["email"] == "owner@acme.test"
    assert body["team"] is False
    assert body["tenant"] == {"slug": tenant.slug, "name": tenant.name}
    assert body["key"]["id"] == owner_key[0].public_id
    assert body["key"]["masked"] == owner_key[0].masked
    assert owner_key[1] not in str(body)


def test_whoami_describes_a_team_key(team_key):
    body = ApiClient(team_key[1]).get(WHOAMI).json()
    assert (body["kind"], body["team"], body["email"], body["role"]) == (
        "team",
        True,
        None,
        "admin",
    )


def test_revoked_key_is_revoked_key(owner_key):
    ApiKey.objects.filter(pk=owner_key[0].pk).update(revoked_at=timezone.now())
    response = ApiClient(owner_key[1]).get(WHOAMI)
    assert (response.status_code, error_code(response)) == (401, "revoked_key")


def test_expired_key_is_expired_key(tenant, owner):
    _key, raw = mint(tenant, owner, expires_at=timezone.now() + timedelta(days=1))
    assert ApiClient(raw).get(WHOAMI).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = ApiClient(raw).get(WHOAMI)
    assert (response.status_code, error_code(response)) == (401, "expired_key")


def test_revoked_and_expired_key_is_revoked_key(tenant, owner):
    key, raw = mint(tenant, owner, expires_at=timezone.now() - timedelta(days=1))
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    assert error_code(ApiClient(raw).get(WHOAMI)) == "revoked_key"


def test_removed_member_key_is_revoked_key(member_key, member, tenant):
    Membership.objects.filter(user=member, tenant=tenant).delete()
    response = ApiClient(member_key[1]).get(WHOAMI)
    assert (response.status_code, error_code(response)) == (401, "revoked_key")


def test_deactivated_user_key_is_revoked_key(member_key, member):
    member.is_active = False
    member.save()
    assert error_code(ApiClient(member_key[1]).get(WHOAMI)) == "revoked_key"


def test_inactive_tenant_keys_are_revoked_key(owner_key, team_key, tenant):
    tenant.is_active = False
    tenant.save()
    assert error_code(ApiClient(owner_key[1]).get(WHOAMI)) == "revoked_key"
    assert error_code(ApiClient(team_key[1]).get(WHOAMI)) == "revoked_key"


def test_team_key_survives_its_creator_leaving(team_key, owner, tenant, admin):
    Membership.objects.filter(user=owner, tenant=tenant).delete()
    assert ApiClient(team_key[1]).get(WHOAMI).status_code == 200


def _regenerate(key: ApiKey, owner, grace: timedelta | None) -> str:
    membership = Membership.objects.get(user=owner, tenant=key.tenant)
    return regenerate(Actor.system(), Principal.of_membership(membership), key, grace)


def test_regenerated_old_secret_fails_at_once_without_grace(owner_key, owner):
    key, old = owner_key
    new = _regenerate(key, owner, None)
    assert error_code(ApiClient(old).get(WHOAMI)) == "revoked_key"
    assert ApiClient(new).get(WHOAMI).status_code == 200


def test_regenerated_old_secret_works_during_grace_and_not_after(owner_key, owner):
    key, old = owner_key
    new = _regenerate(key, owner, timedelta(hours=1))
    assert ApiClient(old).get(WHOAMI).status_code == 200
    assert ApiClient(new).get(WHOAMI).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert error_code(ApiClient(old).get(WHOAMI)) == "revoked_key"
        assert ApiClient(new).get(WHOAMI).status_code == 200


def test_old_secret_of_a_revoked_key_is_refused_during_grace(owner_key, owner):
    key, old = owner_key
    _regenerate(key, owner, timedelta(hours=1))
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    assert error_code(ApiClient(old).get(WHOAMI)) == "revoked_key"


def test_authentication_is_exactly_one_query_in_steady_state(owner_key):
    client = ApiClient(owner_key[1])
    client.get(WHOAMI)  # first use writes last_used_at
    with CaptureQueriesContext(connection) as captured:
        assert client.get(WHOAMI).status_code == 200
    queries = non_cache_queries(captured)
    assert len(queries) == 1, queries
    assert "apikeys_apikey" in queries[0]


def test_failed_authentication_is_one_query(db):
    with CaptureQueriesContext(connection) as captured:
        ApiClient(crypto.generate("team")).get(WHOAMI)
    assert len(non_cache_queries(captured)) == 1


def test_request_tenant_is_set_on_the_django_request(owner_key, tenant, rf):
    from rest_framework.request import Request

    from apikeys.authentication import ApiKeyAuthentication

    django_request = rf.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {owner_key[1]}")
    authenticated = ApiKeyAuthentication().authenticate(Request(django_request))
    assert authenticated is not None
    assert django_request.tenant == tenant
    assert django_request.principal.role == "owner"
    assert getattr(authenticated[0], "email", None) == "owner@acme.test"
