"""The device authorization grant: codes, polling, approval in the console, one use."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, Tenant, User
from apikeys import device
from apikeys.models import ApiKey, DeviceAuthorization, DeviceStatus
from conftest import PASSWORD
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def ask(client: Client | None = None, **extra: Any) -> Any:
    client = client or Client()
    return client.post(
        "/oauth/device/code", {"client_id": "keyward-cli"}, HTTP_USER_AGENT="keyward-cli/0.1.0"
    )


def poll(device_code: str, **form: str) -> Any:
    data = {"grant_type": GRANT, "device_code": device_code, "client_id": "keyward-cli", **form}
    return Client().post("/oauth/token", data)


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)  # a fresh sign-in: sudo mode
    return client


def approve(client: Client, user_code: str, tenant: Tenant, decision: str = "approve") -> Any:
    return client.post(
        "/console/device", {"code": user_code, "tenant": tenant.pk, "decision": decision}
    )


def past_interval(authorization_code: str) -> None:
    DeviceAuthorization.objects.filter(device_digest=device.digest(authorization_code)).update(
        last_polled_at=None
    )


def test_device_code_answer_is_rfc_8628_and_stores_only_a_digest() -> None:
    response = ask()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", body["user_code"])
    assert body["verification_uri"] == "http://testserver/console/device"
    assert body["verification_uri_complete"].endswith(f"?code={body['user_code']}")
    assert body["expires_in"] == 600 and body["interval"] == 5
    stored = DeviceAuthorization.objects.get()
    assert stored.device_digest != body["device_code"]
    assert body["device_code"] not in str(list(DeviceAuthorization.objects.values()))


def test_unknown_client_is_invalid_client() -> None:
    response = Client().post("/oauth/device/code", {"client_id": "someone-else"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_wrong_grant_type_and_missing_code_are_rfc_errors() -> None:
    assert poll("x", grant_type="password").json()["error"] == "unsupported_grant_type"
    assert poll("").json()["error"] == "invalid_request"
    assert poll("nonsense").json()["error"] == "invalid_grant"


def test_approved_device_gets_a_user_key_named_cli_once(tenant: Tenant, owner: User) -> None:
    body = ask().json()
    assert poll(body["device_code"]).json()["error"] == "authorization_pending"
    console = signed_in(owner)
    page = console.get(body["verification_uri_complete"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert b"keyward-cli/0.1.0" in page.content and b"127.0.0.1" in page.content
    assert approve(console, body["user_code"], tenant).status_code == 302
    past_interval(body["device_code"])
    token = poll(body["device_code"])
    assert token.status_code == 200 and token["Cache-Control"] == "no-store"
    answer = token.json()
    assert answer["token_type"] == "Bearer" and answer["key_name"] == "cli"
    who = ApiClient(answer["access_token"]).get("/api/v1/whoami").json()
    assert (who["email"], who["tenant"]["name"], who["key"]["name"]) == (
        owner.email,
        tenant.name,
        "cli",
    )
    past_interval(body["device_code"])
    assert poll(body["device_code"]).json()["error"] == "invalid_grant"  # one use
    event = AuditEvent.objects.get(action=AuditAction.DEVICE_APPROVED)
    assert event.tenant == tenant and event.actor_user == owner


def test_a_second_cli_key_is_named_cli_2(tenant: Tenant, owner: User) -> None:
    names = []
    for _ in range(2):
        body = ask().json()
        approve(signed_in(owner), body["user_code"], tenant)
        names.append(poll(body["device_code"]).json()["key_name"])
    assert names == ["cli", "cli-2"]


def test_denial_gives_access_denied_and_is_audited(tenant: Tenant, owner: User) -> None:
    body = ask().json()
    approve(signed_in(owner), body["user_code"], tenant, decision="deny")
    assert poll(body["device_code"]).json()["error"] == "access_denied"
    assert AuditEvent.objects.filter(action=AuditAction.DEVICE_DENIED, tenant=tenant).exists()
    assert not ApiKey.objects.exists()


def test_expired_device_code_is_expired_token(tenant: Tenant, owner: User) -> None:
    body = ask().json()
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        assert poll(body["device_code"]).json()["error"] == "expired_token"
        page = approve(signed_in(owner), body["user_code"], tenant)
        assert page.status_code == 404
    assert DeviceAuthorization.objects.get().status == DeviceStatus.PENDING


def test_polling_faster_than_interval_gets_slow_down_and_a_longer_interval() -> None:
    body = ask().json()
    assert poll(body["device_code"]).json()["error"] == "authorization_pending"
    assert poll(body["device_code"]).json()["error"] == "slow_down"
    assert DeviceAuthorization.objects.get().interval == 10


def test_a_user_cannot_approve_into_an_organisation_they_do_not_belong_to(
    tenant: Tenant, owner: User, other_tenant: Tenant, outsider: User
) -> None:
    body = ask().json()
    page = approve(signed_in(outsider), body["user_code"], tenant)
    assert page.status_code == 400
    assert DeviceAuthorization.objects.get().status == DeviceStatus.PENDING
    assert poll(body["device_code"]).json()["error"] == "authorization_pending"


def test_approving_needs_sudo_mode(tenant: Tenant, owner: User) -> None:
    console = signed_in(owner)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):  # sudo mode has lapsed
        body = ask().json()
        assert console.get(f"/console/device?code={body['user_code']}").status_code == 200
        response = approve(console, body["user_code"], tenant)
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert DeviceAuthorization.objects.get().status == DeviceStatus.PENDING


def test_approving_needs_a_verified_address(tenant: Tenant) -> None:
    from conftest import join, make_user

    unverified = make_user("new@acme.test", verified=False)
    join(unverified, tenant, "member")
    body = ask().json()
    response = approve(signed_in(unverified), body["user_code"], tenant)
    assert response.status_code in (302, 403)
    assert DeviceAuthorization.objects.get().status == DeviceStatus.PENDING


def test_code_entry_is_rate_limited(tenant: Tenant, owner: User, settings: Any) -> None:
    settings.DEVICE_ENTRY_RATE_LIMIT = "3/min"
    console = signed_in(owner)
    statuses = [console.get("/console/device?code=BBBB-BBBB").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_device_code_requests_are_rate_limited_per_ip(settings: Any) -> None:
    settings.DEVICE_CODE_RATE_LIMIT = "2/min"
    statuses = [ask().status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
