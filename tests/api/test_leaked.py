"""`POST /keys/leaked`: no key needed; live keys revoked; owners told; same answer always."""

from __future__ import annotations

from django.core import mail

from accounts.models import AuditAction, AuditEvent
from apikeys import crypto
from apikeys.models import ApiKey
from core.acting import Principal
from tests.api.conftest import ApiClient

LEAKED = "/api/v1/keys/leaked"


def test_reported_key_is_revoked_and_owner_and_admins_are_told(member_key, admin, owner):
    response = ApiClient().post_json(
        LEAKED, {"keys": [member_key[1]], "reporter": "scanner@example.com"}
    )
    assert response.status_code == 202
    key = ApiKey.objects.get(pk=member_key[0].pk)
    assert key.revoked_at is not None
    event = AuditEvent.objects.get(action=AuditAction.KEY_LEAKED)
    assert "scanner@example.com" in event.actor_label + str(event.details)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {"member@acme.test", "admin@acme.test", "owner@acme.test"}
    assert key.masked in message.body
    assert member_key[1] not in f"{message.body}{message.subject}"
    assert ApiClient(member_key[1]).get("/api/v1/whoami").json()["error"]["code"] == ("revoked_key")


def test_answer_is_the_same_whether_or_not_a_key_matched(owner_key):
    miss = ApiClient().post_json(LEAKED, {"keys": [crypto.generate("user"), "junk"]})
    hit = ApiClient().post_json(LEAKED, {"keys": [owner_key[1]]})
    assert (miss.status_code, miss.content) == (hit.status_code, hit.content)


def test_a_key_in_the_headers_is_ignored(owner_key, member_key):
    response = ApiClient(owner_key[1]).post_json(LEAKED, {"keys": [member_key[1]]})
    assert response.status_code == 202
    assert ApiKey.objects.get(pk=owner_key[0].pk).revoked_at is None


def test_too_many_keys_or_wrong_types_are_a_400(db):
    assert ApiClient().post_json(LEAKED, {"keys": ["x"] * 101}).status_code == 400
    assert ApiClient().post_json(LEAKED, {"keys": "kw_user_x"}).status_code == 400
    assert ApiClient().post_json(LEAKED, {"keys": [1, 2]}).status_code == 400
    assert ApiClient().post_json(LEAKED, {"keys": []}).status_code == 400


def test_already_revoked_key_sends_no_mail(owner_key):
    ApiClient().post_json(LEAKED, {"keys": [owner_key[1]]})
    ApiClient().post_json(LEAKED, {"keys": [owner_key[1]]})
    assert len(mail.outbox) == 1


def test_errors_inside_a_list_are_plain_messages_naming_the_item(db):
    response = ApiClient(None).post(
        "/api/v1/keys/leaked", {"keys": ["kw_ok", 7]}, "application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {"keys": ["1: Not a valid string."]}
    assert error["message"] == "keys: 1: Not a valid string."


def test_options_is_not_a_way_to_read_the_api(db):
    response = ApiClient(None).options("/api/v1/keys/leaked")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_previous_secret_still_in_its_grace_period_is_live_and_revokes_its_key(owner_key):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from apikeys import keys
    from core.acting import Actor

    key, old = owner_key
    principal = Principal(tenant=key.tenant, role="owner", user=key.user)
    new = keys.regenerate(Actor.system(), principal, key, grace=timedelta(hours=1))
    assert ApiClient(old).get("/api/v1/whoami").status_code == 200  # inside the grace
    response = ApiClient(None).post("/api/v1/keys/leaked", {"keys": [old]}, "application/json")
    assert response.status_code == 202
    key.refresh_from_db()
    assert key.revoked_at is not None
    for secret in (old, new):
        refused = ApiClient(secret).get("/api/v1/whoami")
        assert refused.json()["error"]["code"] == "revoked_key"
    # After its grace an old secret is already dead: reporting it changes nothing.
    other, other_old = keys.create(Actor.system(), principal, kind="user", name="later")
    keys.regenerate(Actor.system(), principal, other, grace=timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        ApiClient(None).post("/api/v1/keys/leaked", {"keys": [other_old]}, "application/json")
    other.refresh_from_db()
    assert other.revoked_at is None
