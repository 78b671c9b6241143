"""Sudo mode: minting a secret, changing roles and transferring ownership need a sign-in or
re-authentication within 15 minutes; after re-authenticating the action goes through with
what was typed intact."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, Membership
from accounts.roles import Role
from apikeys.models import ApiKey, Kind, create_key
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

NONCE_RE = re.compile(r'name="nonce" value="([^"]+)"')
REAUTH = "/console/account/reauthenticate"


def sign_in(user) -> Client:
    client = Client()
    assert client.post("/signin", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def nonce(client: Client, url: str) -> str:
    found = NONCE_RE.search(client.get(url).content.decode())
    assert found
    return found.group(1)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_creating_a_key_within_15_minutes_of_signing_in_needs_nothing_more(clock, owner):
    client = sign_in(owner)
    clock.shift(timedelta(minutes=14))
    data = {"kind": "user", "name": "Deploy", "nonce": nonce(client, "/console/api-keys/new")}
    response = client.post("/console/api-keys/new", data)
    assert response.status_code == 200 and ApiKey.objects.get().name == "Deploy"


def test_creating_a_key_16_minutes_after_sign_in_asks_for_the_password_then_proceeds(clock, owner):
    client = sign_in(owner)
    clock.shift(timedelta(minutes=16))
    data = {
        "kind": "user",
        "name": "Deploy",
        "description": "CI on main",
        "nonce": nonce(client, "/console/api-keys/new"),
    }
    asked = client.post("/console/api-keys/new", data)
    assert asked.status_code == 302
    assert asked["Location"] == f"{REAUTH}?next=%2Fconsole%2Fapi-keys%2Fnew"
    assert not ApiKey.objects.exists()
    page = client.get(asked["Location"])
    assert page.status_code == 200 and 'name="password"' in page.content.decode()

    wrong = client.post(asked["Location"], {"password": "wrong"})
    assert wrong.status_code == 200 and not ApiKey.objects.exists()

    done = client.post(asked["Location"], {"password": PASSWORD})
    assert done.status_code == 200  # the show-once page, answered to the same form
    key = ApiKey.objects.get()
    assert (key.name, key.description) == ("Deploy", "CI on main")
    assert "kw_user_" in done.content.decode()
    assert "no-store" in done["Cache-Control"]


def test_a_re_authentication_lasts_15_minutes_too(clock, owner):
    client = sign_in(owner)
    clock.shift(timedelta(minutes=20))
    client.post(f"{REAUTH}?next=/console/", {"password": PASSWORD})
    clock.shift(timedelta(minutes=10))
    data = {"kind": "user", "name": "Later", "nonce": nonce(client, "/console/api-keys/new")}
    assert client.post("/console/api-keys/new", data).status_code == 200
    clock.shift(timedelta(minutes=6))
    data = {"kind": "user", "name": "Too late", "nonce": nonce(client, "/console/api-keys/new")}
    assert client.post("/console/api-keys/new", data)["Location"].startswith(REAUTH)


def test_regenerating_a_key_needs_sudo_mode(clock, owner, tenant):
    key, _ = create_key(tenant=tenant, kind=Kind.USER, user=owner, name="Laptop")
    digest = key.digest
    client = sign_in(owner)
    clock.shift(timedelta(minutes=16))
    url = f"/console/api-keys/{key.public_id}/regenerate"
    response = client.post(url, {"nonce": nonce(client, url), "grace": "0"})
    assert response["Location"].startswith(REAUTH)
    key.refresh_from_db()
    assert key.digest == digest


def test_changing_a_role_needs_sudo_mode_and_then_happens(clock, owner, member):
    client = sign_in(owner)
    target = Membership.objects.get(user=member)
    clock.shift(timedelta(minutes=16))
    asked = client.post(f"/console/members/{target.pk}/role", {"role": Role.ADMIN})
    assert asked["Location"].startswith(REAUTH)
    target.refresh_from_db()
    assert target.role == Role.MEMBER
    done = client.post(asked["Location"], {"password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/console/members"
    target.refresh_from_db()
    assert target.role == Role.ADMIN


def test_transferring_ownership_needs_sudo_mode(clock, owner, member):
    client = sign_in(owner)
    target = Membership.objects.get(user=member)
    clock.shift(timedelta(minutes=16))
    assert client.get(f"/console/members/{target.pk}/transfer").status_code == 200
    asked = client.post(f"/console/members/{target.pk}/transfer")
    assert asked["Location"].startswith(REAUTH)
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_inviting_someone_to_a_role_needs_sudo_mode_and_then_happens(clock, owner):
    client = sign_in(owner)
    clock.shift(timedelta(minutes=16))
    form = {"email": "new.admin@acme.test", "role": Role.ADMIN}
    asked = client.post("/console/members/invite", form)
    assert asked["Location"].startswith(REAUTH)
    assert not Invitation.objects.exists()
    done = client.post(asked["Location"], {"password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/console/members"
    assert Invitation.objects.get().email == "new.admin@acme.test"
