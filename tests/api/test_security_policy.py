"""The organisation's security policy at creation, regeneration and use; changed only by
owners, every change audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts import policies
from accounts.models import AuditAction, AuditEvent, LeakPolicy, SecurityPolicy, TeamKeyCreators
from accounts.roles import Role
from apikeys.models import ApiKey, State
from core.acting import Actor
from tests.api.conftest import ApiClient, mint

KEYS = "/api/v1/keys"


def set_policy(tenant, owner, **changes):
    return policies.update(Actor(user=owner, label=owner.email), Role.OWNER, tenant, **changes)


def code(response) -> str:
    return response.json()["error"]["code"]


def test_require_expiry_refuses_a_key_without_one(tenant, owner, owner_key):
    set_policy(tenant, owner, require_expiry=True)
    client = ApiClient(owner_key[1])
    assert client.post_json(KEYS, {"name": "forever"}).status_code == 400
    later = (timezone.now() + timedelta(days=5)).isoformat()
    assert client.post_json(KEYS, {"name": "soon", "expires_at": later}).status_code == 201


def test_max_lifetime_bounds_the_expiry_at_creation(tenant, owner, owner_key):
    set_policy(tenant, owner, max_lifetime_days=90)
    client = ApiClient(owner_key[1])
    too_far = (timezone.now() + timedelta(days=91)).isoformat()
    response = client.post_json(KEYS, {"name": "far", "expires_at": too_far})
    assert response.status_code == 400
    assert not ApiKey.objects.filter(name="far").exists()
    ok = client.post_json(KEYS, {"name": "near"})
    assert ok.status_code == 201
    key = ApiKey.objects.get(name="near")
    assert key.lifetime_ends_at is not None
    assert ok["Keyward-Key-Expires"]  # the acting key got a lifetime when the policy changed


def test_key_older_than_the_max_lifetime_is_expired_at_use(tenant, owner):
    key, raw = mint(tenant, owner)
    assert ApiClient(raw).get("/api/v1/whoami").status_code == 200
    set_policy(tenant, owner, max_lifetime_days=30)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = ApiClient(raw).get("/api/v1/whoami")
        assert response.status_code == 401
        assert code(response) == "expired_key"
        assert ApiKey.objects.with_state().get(pk=key.pk).state == State.EXPIRED


def test_regenerate_follows_the_policy(tenant, owner, owner_key):
    target, _ = mint(tenant, owner, name="target")
    set_policy(tenant, owner, require_expiry=True, max_lifetime_days=10)
    client = ApiClient(owner_key[1])
    url = f"{KEYS}/{target.public_id}/regenerate"
    assert client.post_json(url).status_code == 400  # no expiry, and the policy needs one
    far = (timezone.now() + timedelta(days=20)).isoformat()
    assert client.post_json(url, {"expires_at": far}).status_code == 400
    near = (timezone.now() + timedelta(days=5)).isoformat()
    assert client.post_json(url, {"expires_at": near}).status_code == 200


def test_expiring_key_carries_the_expiry_header(tenant, owner):
    expires = timezone.now().replace(microsecond=0) + timedelta(days=3)
    _, raw = mint(tenant, owner, expires_at=expires)
    response = ApiClient(raw).get("/api/v1/whoami")
    assert response["Keyward-Key-Expires"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    _, forever = mint(tenant, owner, name="forever")
    assert "Keyward-Key-Expires" not in ApiClient(forever).get("/api/v1/whoami")


def test_owners_only_team_keys(tenant, owner, admin):
    set_policy(tenant, owner, team_keys_by=TeamKeyCreators.OWNERS)
    _, admin_raw = mint(tenant, admin, name="admin key")
    _, owner_raw = mint(tenant, owner, name="owner key 2")
    body = {"name": "ci", "kind": "team"}
    assert ApiClient(admin_raw).post_json(KEYS, body).status_code == 403
    assert ApiClient(owner_raw).post_json(KEYS, body).status_code == 201


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MEMBER])
def test_policy_changes_are_refused_below_owner(tenant, admin, member, role):
    user = admin if role == Role.ADMIN else member
    with pytest.raises(PermissionDenied):
        policies.update(Actor(user=user, label=user.email), role, tenant, require_mfa=True)
    assert not SecurityPolicy.objects.filter(tenant=tenant).exists()


def test_policy_changes_are_audited(tenant, owner):
    set_policy(tenant, owner, leak_policy=LeakPolicy.NOTIFY, idle_revoke_days=30)
    event = AuditEvent.objects.get(tenant=tenant, action=AuditAction.POLICY_CHANGED)
    assert event.actor_label == owner.email
    assert event.details["leak_policy"] == {"from": "revoke", "to": "notify"}
    assert set_policy(tenant, owner, idle_revoke_days=30) == {}  # no change, no entry
    assert AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).count() == 1


def test_create_api_key_command_obeys_the_policy_and_takes_restrictions(tenant, owner):
    from django.core.management import CommandError, call_command

    set_policy(tenant, owner, require_expiry=True)
    with pytest.raises(CommandError, match="expiry"):
        call_command("create_api_key", "--tenant", tenant.slug, "--team", "--name", "ci")
    later = (timezone.now() + timedelta(days=30)).date().isoformat()
    call_command(
        "create_api_key", "--tenant", tenant.slug, "--team", "--name", "ci",
        "--expires", later, "--allowed-ip", "10.0.0.0/8",
    )  # fmt: skip
    assert ApiKey.objects.get(name="ci").allowed_ips == ["10.0.0.0/8"]


def give_totp(user) -> None:
    import pyotp
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, pyotp.random_base32())


def test_require_mfa_stops_the_user_keys_of_members_without_it_until_they_set_it_up(
    tenant, owner, member, client_for
):
    give_totp(owner)
    _, member_raw = mint(tenant, member, name="member laptop")
    _, owner_raw = mint(tenant, owner, name="owner laptop")
    _, team_raw = mint(tenant, None, name="ci")
    set_policy(tenant, owner, require_mfa=True)

    refused = ApiClient(member_raw).get("/api/v1/whoami")
    assert refused.status_code == 403 and code(refused) == "mfa_required"
    assert ApiClient(owner_raw).get("/api/v1/whoami").status_code == 200  # the owner has MFA
    assert ApiClient(team_raw).get("/api/v1/whoami").status_code == 200  # no person behind it
    listed = {k["name"]: k["state"] for k in ApiClient(owner_raw).get(KEYS).json()["results"]}
    assert listed["member laptop"] == State.INACTIVE  # the list says what the API does
    page = client_for(owner).get("/console/api-keys").content.decode()
    assert "member laptop" in page and ">Inactive</span>" in page

    give_totp(member)
    assert ApiClient(member_raw).get("/api/v1/whoami").status_code == 200


def test_require_mfa_refuses_minting_and_regenerating_a_user_key_without_it(tenant, owner, member):
    from django.core.management import CommandError, call_command

    key, _ = mint(tenant, member, name="member laptop")
    give_totp(owner)
    set_policy(tenant, owner, require_mfa=True)
    with pytest.raises(CommandError, match="two-factor"):
        call_command(
            "create_api_key", "--tenant", tenant.slug, "--user", member.email, "--name", "new"
        )
    from apikeys import keys
    from core.acting import Principal

    principal = Principal(tenant=tenant, role=Role.MEMBER, user=member)
    digest = key.digest
    with pytest.raises(PermissionDenied, match="two-factor"):
        keys.regenerate(Actor(user=member, label=member.email), principal, key)
    key.refresh_from_db()
    assert (key.digest, key.previous_digest) == (digest, None)
    assert list(ApiKey.objects.filter(tenant=tenant).values_list("name", flat=True)) == [
        "member laptop"
    ]


def test_an_owner_without_mfa_cannot_require_it_and_lock_themselves_out(tenant, owner):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="for yourself first"):
        set_policy(tenant, owner, require_mfa=True)
    assert not SecurityPolicy.objects.filter(tenant=tenant).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).exists()
    give_totp(owner)
    assert set_policy(tenant, owner, require_mfa=True) == {"require_mfa": True}
