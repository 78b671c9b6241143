"""An unverified account may sign in and look around, but not create keys or invite; it sees
why, asks for a new code, and can once it has entered it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Invitation, Membership, Tenant
from accounts.roles import Role
from apikeys.models import ApiKey, Kind, create_key
from conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NONCE_RE = re.compile(r'name="nonce" value="([^"]+)"')
CODE_RE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", re.M)


@pytest.fixture
def unverified(tenant: Tenant):
    user = make_user("late@acme.test", verified=False)
    Membership.objects.create(user=user, tenant=tenant, role=Role.ADMIN)
    return user


@pytest.fixture
def browser(unverified) -> Client:
    client = Client()
    assert (
        client.post("/signin", {"login": unverified.email, "password": PASSWORD}).status_code == 302
    )
    return client


def create(client: Client, name: str = "Laptop"):
    form = client.get("/console/api-keys/new")
    nonce = NONCE_RE.search(form.content.decode())
    data = {"kind": "user", "name": name, "nonce": nonce.group(1) if nonce else ""}
    return form, client.post("/console/api-keys/new", data)


def test_an_unverified_user_looks_around(browser):
    for page in ["/console/usage", "/console/api-keys", "/console/members", "/console/account"]:
        assert browser.get(page).status_code == 200, page


def test_an_unverified_user_cannot_create_a_key_and_sees_why(browser):
    form, response = create(browser)
    assert form.status_code == 403 and response.status_code == 403
    assert "Verify your e-mail address first" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_an_unverified_user_cannot_invite(browser):
    response = browser.post("/console/members/invite", {"email": "x@acme.test", "role": "member"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_an_unverified_users_key_cannot_create_keys_through_the_api(unverified, tenant):
    _, raw = create_key(tenant=tenant, kind=Kind.USER, user=unverified, name="old")
    response = Client().post(
        "/api/v1/keys",
        {"name": "new", "kind": "user"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403
    assert ApiKey.objects.count() == 1


def test_an_unverified_users_key_cannot_regenerate_keys_through_the_api(unverified, tenant):
    key, raw = create_key(tenant=tenant, kind=Kind.USER, user=unverified, name="old")
    before = ApiKey.objects.get(pk=key.pk).digest
    response = Client().post(
        f"/api/v1/keys/{key.public_id}/regenerate",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403
    assert "Verify your e-mail" in response.json()["error"]["message"]
    assert ApiKey.objects.get(pk=key.pk).digest == before


def test_after_entering_a_fresh_code_the_user_can_create_a_key(browser, unverified):
    sent = browser.post("/console/account/email", {"email": unverified.email, "action_send": ""})
    assert sent.status_code == 302
    [message] = mail.outbox
    found = CODE_RE.search(str(message.body))
    assert found is not None
    code = found.group(1)
    verified = browser.post(sent["Location"], {"code": code})
    assert verified.status_code == 302
    # Confirming the address one has is not a change of address.
    assert not unverified.security_events.filter(action="email.changed").exists()
    _, response = create(browser)
    assert response.status_code == 200
    assert ApiKey.objects.get().name == "Laptop"
