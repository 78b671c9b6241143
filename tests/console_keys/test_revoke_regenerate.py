"""Revoke stops a key at once; regenerate swaps the secret, with or without a grace period."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from apikeys import crypto
from apikeys.models import ApiKey
from tests.console_keys.conftest import (
    nonce_of,
    raw_keys_in,
    regenerate_via_console,
    user_key,
)

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def test_revoke_confirmation_names_the_key(tenant, owner, client_for):
    key = user_key(tenant, owner, "Laptop")
    page = client_for(owner).get(f"/console/api-keys/{key.public_id}/revoke").content.decode()
    assert "Revoke “Laptop”?" in page
    assert key.masked in page
    assert "data-dialog-content" in page


def test_revoked_key_is_no_longer_usable_at_once(tenant, owner, client_for):
    key = user_key(tenant, owner, "Laptop")
    assert ApiKey.objects.with_state().get(pk=key.pk).state == "active"
    response = client_for(owner).post(f"/console/api-keys/{key.public_id}/revoke")
    assert response.status_code == 302 and response["Location"] == "/console/api-keys"
    assert ApiKey.objects.with_state().get(pk=key.pk).state == "revoked"
    event = AuditEvent.objects.get(action=AuditAction.KEY_REVOKED)
    assert (event.actor_user, event.target_id, event.tenant) == (owner, str(key.pk), tenant)


def test_revoking_twice_says_so_and_audits_once(tenant, owner, client_for):
    key = user_key(tenant, owner, "Laptop")
    client = client_for(owner)
    client.post(f"/console/api-keys/{key.public_id}/revoke")
    response = client.post(f"/console/api-keys/{key.public_id}/revoke", follow=True)
    assert "was already revoked" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.KEY_REVOKED).count() == 1


def test_revoked_keys_move_to_their_own_section(tenant, owner, client_for):
    user_key(tenant, owner, "Live one")
    key = user_key(tenant, owner, "Gone one")
    client = client_for(owner)
    client.post(f"/console/api-keys/{key.public_id}/revoke")
    client.get("/console/api-keys")  # shows the "was revoked" message
    page = client.get("/console/api-keys").content.decode()
    main, revoked = page.split("Revoked keys (1)")
    assert "Live one" in main and "Gone one" not in main
    assert "Gone one" in revoked
    assert f"/console/api-keys/{key.public_id}/revoke" not in page


def test_regenerate_without_grace_stops_the_old_secret_now(tenant, owner, client_for):
    key = user_key(tenant, owner, "CI", scopes=["keys:read"])
    old = (key.digest, key.name, key.kind, key.scopes, key.expires_at)
    with time_machine.travel(NOW, tick=False):
        response = regenerate_via_console(client_for(owner), key)
    (raw,) = raw_keys_in(response)
    key.refresh_from_db()
    assert "The old secret has stopped working." in response.content.decode()
    assert key.digest == crypto.digest(raw) != old[0]
    assert (key.name, key.kind, key.scopes, key.expires_at) == old[1:]
    assert key.previous_digest == old[0]
    assert key.previous_expires_at == NOW
    event = AuditEvent.objects.get(action=AuditAction.KEY_REGENERATED)
    assert event.details == {"grace_seconds": 0}


@pytest.mark.parametrize(
    ("grace", "delta"),
    [
        ("3600", dt.timedelta(hours=1)),
        ("86400", dt.timedelta(days=1)),
        ("259200", dt.timedelta(days=3)),
        ("604800", dt.timedelta(days=7)),
    ],
)
def test_regenerate_with_grace_keeps_the_old_secret_until_its_end(
    tenant, owner, client_for, grace, delta
):
    key = user_key(tenant, owner, "CI")
    old_digest = key.digest
    with time_machine.travel(NOW, tick=False):
        response = regenerate_via_console(client_for(owner), key, grace=grace)
        assert "The old secret keeps working until" in response.content.decode()
    key.refresh_from_db()
    assert key.previous_digest == old_digest
    assert key.previous_expires_at == NOW + delta


@pytest.mark.parametrize("grace", ["60", "1209600", "-3600", "soon"])
def test_grace_outside_the_offered_choices_is_refused(tenant, owner, client_for, grace):
    key = user_key(tenant, owner, "CI")
    response = regenerate_via_console(client_for(owner), key, grace=grace)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not raw_keys_in(response)
    key.refresh_from_db()
    assert key.previous_digest is None


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("revoked", "A revoked key cannot be regenerated. Create a new key."),
        ("expired", "This key has expired: give it a new expiry date."),
    ],
)
def test_revoked_or_expired_keys_are_not_regenerated_as_they_are(
    tenant, owner, client_for, state, message
):
    past = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    extra = {"revoked_at": past} if state == "revoked" else {"expires_at": past}
    key = user_key(tenant, owner, "Old", **extra)
    response = regenerate_via_console(client_for(owner), key)
    assert message in response.content.decode()
    assert not raw_keys_in(response)
    key.refresh_from_db()
    assert key.previous_digest is None


def test_list_marks_expired_keys_and_shows_last_use(tenant, owner, client_for):
    with time_machine.travel(NOW, tick=False):
        user_key(tenant, owner, "Old", expires_at=NOW - dt.timedelta(days=1))
        user_key(
            tenant,
            owner,
            "Busy",
            last_used_at=NOW - dt.timedelta(minutes=5),
            last_used_ip="203.0.113.9",
        )
        user_key(tenant, owner, "Idle", expires_at=NOW + dt.timedelta(days=30))
        page = client_for(owner).get("/console/api-keys").content.decode()
    page = page.split("<table", 1)[1]  # the rows, past the security overview's labels
    rows = {name: page.split(name, 1)[1].split("</tr>", 1)[0] for name in ("Old", "Busy", "Idle")}
    assert "Expired" in rows["Old"]
    assert "5\xa0minutes ago" in rows["Busy"] and "203.0.113.9" in rows["Busy"]
    assert "Never" in rows["Idle"] and "Active" in rows["Idle"] and "2026-07-01" in rows["Idle"]


def test_empty_list_invites_to_create_a_key(owner, client_for):
    page = client_for(owner).get("/console/api-keys").content.decode()
    assert "No API keys yet" in page
    assert 'href="/console/api-keys/new" data-dialog' in page


def test_an_expired_key_is_regenerated_with_a_new_expiry_date(tenant, owner, client_for):
    key = user_key(tenant, owner, "Old", expires_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    client = client_for(owner)
    url = f"/console/api-keys/{key.public_id}/regenerate"
    form = client.get(url)
    assert 'name="expires_on"' in form.content.decode()
    day = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(url, {"nonce": nonce_of(form), "grace": "", "expires_on": day})
    assert len(raw_keys_in(response)) == 1
    key.refresh_from_db()
    assert key.expires_at is not None
    assert key.state == "active" and key.expires_at.date().isoformat() == day
