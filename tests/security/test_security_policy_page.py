"""Settings → Security: owners change the policy in sudo mode, audited; admins and members
read it only; a required second factor comes before anything else in the organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, SecurityPolicy
from conftest import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/console/settings/security"
FORM = {
    "require_expiry": "on",
    "max_lifetime_days": "90",
    "idle_revoke_days": "",
    "leak_policy": "revoke",
    "team_keys_by": "admin",
}


def sign_in(user) -> Client:
    client = Client()
    assert client.post("/signin", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_owner_sets_the_policy_and_it_is_audited(owner):
    client = sign_in(owner)
    assert client.get(URL).status_code == 200
    response = client.post(URL, FORM)
    assert response.status_code == 302
    policy = SecurityPolicy.objects.get()
    assert policy.require_expiry and policy.max_lifetime_days == 90
    event = AuditEvent.objects.get(action=AuditAction.POLICY_CHANGED)
    assert event.details["max_lifetime_days"] == {"from": None, "to": 90}


def test_changing_the_policy_16_minutes_after_sign_in_asks_for_the_password(owner):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = sign_in(owner)
        clock.shift(timedelta(minutes=16))
        response = client.post(URL, FORM)
        assert response.status_code == 302 and "reauthenticate" in response["Location"]
        assert not SecurityPolicy.objects.exists()


@pytest.mark.parametrize("who", ["admin", "member"])
def test_admins_and_members_read_but_cannot_change(request, who):
    user = request.getfixturevalue(who)
    client = sign_in(user)
    page = client.get(URL)
    assert page.status_code == 200 and b"Only owners" in page.content
    assert client.post(URL, FORM).status_code == 403
    assert not SecurityPolicy.objects.exists()


def test_outsider_changes_only_their_own_organisation(outsider, tenant):
    client = sign_in(outsider)
    client.post(URL, FORM)
    assert not SecurityPolicy.objects.filter(tenant=tenant).exists()


def test_required_mfa_comes_before_anything_else(owner, member, tenant):
    SecurityPolicy.objects.create(tenant=tenant, require_mfa=True)
    client = sign_in(member)
    for path in ("/console/api-keys", "/console/members", "/console/usage"):
        page = client.get(path)
        assert page.status_code == 403 and b"two-factor" in page.content
    assert client.get("/console/account").status_code == 200  # where it is set up


def test_requiring_mfa_without_it_yourself_is_a_form_error_that_changes_nothing(owner):
    client = sign_in(owner)
    response = client.post(URL, {**FORM, "require_mfa": "on"})
    assert response.status_code == 200
    assert b"Set up two-factor authentication for yourself first" in response.content
    assert not SecurityPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).exists()
