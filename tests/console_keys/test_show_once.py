"""The raw key is in the one response that shows it: not cached, not in the session, not in
the database; a reload, a resubmit or the page's own address say it is gone."""

from __future__ import annotations

from django.contrib.sessions.models import Session

from accounts.models import AuditEvent
from apikeys import crypto
from apikeys.models import ApiKey
from apikeys.views.nonces import SESSION_KEY
from tests.console_keys.conftest import (
    assert_not_in_database,
    create_via_console,
    nonce_of,
    raw_keys_in,
    regenerate_via_console,
    user_key,
)


def test_create_answers_with_the_raw_key_once_uncached(owner, client_for):
    response = create_via_console(client_for(owner), name="CI")
    key = ApiKey.objects.get()
    (raw,) = raw_keys_in(response)
    assert response.status_code == 200
    assert crypto.digest(raw) == key.digest
    assert "will not be shown again" in response.content.decode()
    assert f"Authorization: Bearer {raw}" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"
    html = response.content.decode()
    assert f'data-canonical-url="/console/api-keys/{key.public_id}/created"' in html
    # The copy button needs JavaScript; apikeys.js un-hides it.
    assert 'data-copy="#raw-key" data-needs-js hidden>' in html
    assert "js/apikeys.js" in html


def test_resubmitting_the_same_form_shows_gone_and_creates_no_second_key(owner, client_for):
    client = client_for(owner)
    nonce = nonce_of(client.get("/console/api-keys/new"))
    data = {"name": "CI", "kind": "user", "nonce": nonce}
    first = client.post("/console/api-keys/new", data)
    (raw,) = raw_keys_in(first)
    again = client.post("/console/api-keys/new", data)
    assert again.status_code == 200
    assert "can no longer be shown" in again.content.decode()
    assert raw not in again.content.decode()
    assert not raw_keys_in(again)
    assert "no-store" in again["Cache-Control"]
    assert ApiKey.objects.count() == 1


def test_the_show_once_pages_own_address_says_it_is_gone(owner, client_for):
    client = client_for(owner)
    first = create_via_console(client, name="CI")
    (raw,) = raw_keys_in(first)
    key = ApiKey.objects.get()
    later = client.get(f"/console/api-keys/{key.public_id}/created")
    assert later.status_code == 200
    assert "can no longer be shown" in later.content.decode()
    assert key.masked in later.content.decode()
    assert raw not in later.content.decode()
    assert "no-store" in later["Cache-Control"]
    listing = client.get("/console/api-keys").content.decode()
    assert raw not in listing and key.masked in listing


def test_session_never_holds_the_raw_key(owner, client_for):
    client = client_for(owner)
    (raw,) = raw_keys_in(create_via_console(client, name="CI"))
    regenerated = regenerate_via_console(client, ApiKey.objects.get(), grace="3600")
    (new_raw,) = raw_keys_in(regenerated)
    stored = [session.get_decoded() for session in Session.objects.all()]
    assert stored, "the flow used a database session"
    for data in stored:
        assert raw not in repr(data) and new_raw not in repr(data)
    key = ApiKey.objects.get()
    nonces = next(data[SESSION_KEY] for data in stored if SESSION_KEY in data)
    assert ["create", key.public_id] in nonces.values()
    assert [f"regenerate:{key.public_id}", key.public_id] in nonces.values()


def test_raw_key_is_in_no_database_column_and_no_audit_entry(owner, client_for):
    client = client_for(owner)
    (raw,) = raw_keys_in(create_via_console(client, name="CI"))
    (new_raw,) = raw_keys_in(regenerate_via_console(client, ApiKey.objects.get()))
    assert AuditEvent.objects.count() == 2
    assert_not_in_database(raw)
    assert_not_in_database(new_raw)


def test_regenerate_resubmit_shows_gone_and_rolls_only_once(tenant, owner, client_for):
    client = client_for(owner)
    key = user_key(tenant, owner, "CI")
    url = f"/console/api-keys/{key.public_id}/regenerate"
    data = {"nonce": nonce_of(client.get(url)), "grace": ""}
    first = client.post(url, data)
    assert len(raw_keys_in(first)) == 1
    assert "no-store" in first["Cache-Control"]
    key.refresh_from_db()
    digest_after_first = key.digest
    again = client.post(url, data)
    assert "can no longer be shown" in again.content.decode()
    assert not raw_keys_in(again)
    key.refresh_from_db()
    assert key.digest == digest_after_first


def test_a_nonce_for_one_key_does_not_regenerate_another(tenant, owner, client_for):
    client = client_for(owner)
    first, second = user_key(tenant, owner, "One"), user_key(tenant, owner, "Two")
    nonce = nonce_of(client.get(f"/console/api-keys/{first.public_id}/regenerate"))
    response = client.post(f"/console/api-keys/{second.public_id}/regenerate", {"nonce": nonce})
    assert "This form has expired" in response.content.decode()
    second.refresh_from_db()
    assert second.previous_digest is None


def test_session_keeps_only_the_newest_nonces(owner, client_for):
    client = client_for(owner)
    for _ in range(30):
        client.get("/console/api-keys/new")
    assert len(client.session[SESSION_KEY]) == 20
