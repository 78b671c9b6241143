"""TOTP and recovery codes through the console (passkeys: tests/browser/test_mfa_journeys.py),
"has MFA" in one place, and the personal security log."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.test import Client

from accounts import security
from accounts.models import SecurityEvent
from conftest import PASSWORD, totp_step_start

pytestmark = pytest.mark.django_db

SECRET_RE = re.compile(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', re.S)


def sign_in(user, password: str = PASSWORD) -> tuple[Client, Any]:
    client = Client()
    return client, client.post("/signin", {"login": user.email, "password": password})


def actions(user) -> list[str]:
    return list(
        SecurityEvent.objects.filter(user=user).order_by("id").values_list("action", flat=True)
    )


@pytest.fixture
def early_in_a_totp_step():
    with time_machine.travel(totp_step_start(time.time()), tick=False):
        yield


def test_enrolling_totp_from_the_account_page_then_signing_in_with_it(
    owner, django_capture_on_commit_callbacks, early_in_a_totp_step
):
    client, _ = sign_in(owner)
    assert security.has_mfa(owner) is False
    page = client.get("/console/account/2fa/totp/activate/").content.decode()
    found = SECRET_RE.search(page)
    assert found is not None
    secret = found.group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/console/account/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()}
        )
    assert response.status_code == 302
    assert security.has_mfa(owner) is True
    assert "mfa.added" in actions(owner)

    fresh, answer = sign_in(owner)
    assert answer["Location"] == "/console/account/2fa/authenticate/"
    assert fresh.get("/console/").status_code == 302  # the password alone is not enough
    wrong = fresh.post(answer["Location"], {"code": "000000"})
    assert wrong.status_code == 200 and fresh.get("/console/").status_code == 302
    # allauth refuses a code it already accepted: the next one comes 30 seconds later.
    with time_machine.travel(time.time() + 30, tick=False):
        done = fresh.post(answer["Location"], {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert fresh.get("/console/").status_code == 200


def test_recovery_codes_work_once_each(owner):
    TOTP.activate(owner, pyotp.random_base32())
    codes = RecoveryCodes.activate(owner).get_unused_codes()
    first, second = codes[0], codes[1]

    client, answer = sign_in(owner)
    assert client.post(answer["Location"], {"code": first}).status_code == 302
    assert client.get("/console/").status_code == 200

    again, answer = sign_in(owner)
    refused = again.post(answer["Location"], {"code": first})
    assert refused.status_code == 200 and again.get("/console/").status_code == 302
    assert again.post(answer["Location"], {"code": second}).status_code == 302


def test_turning_totp_off_is_logged(owner):
    TOTP.activate(owner, pyotp.random_base32())
    client = Client()
    client.force_login(owner)  # a fresh sign-in: sudo mode
    response = client.post("/console/account/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=owner, type="totp").exists()
    assert "mfa.removed" in actions(owner)


def test_changing_the_password_is_logged_and_the_old_one_stops_working(owner):
    client, _ = sign_in(owner)
    new = "an even longer passphrase 43"
    response = client.post(
        "/console/account/password",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    assert actions(owner) == ["password.changed"]
    assert sign_in(owner)[1].status_code == 200
    assert sign_in(owner, new)[1].status_code == 302


def test_signing_out_the_other_sessions(owner):
    here, _ = sign_in(owner)
    there, _ = sign_in(owner)
    page = here.get("/console/account").content.decode()
    assert page.count("This session") == 1
    response = here.post("/console/account/sessions/end-others")
    assert response.status_code == 302
    assert there.get("/console/").status_code == 302
    assert here.get("/console/").status_code == 200
    assert actions(owner) == ["sessions.ended"]


def test_the_account_page_saves_the_name(owner):
    client, _ = sign_in(owner)
    client.post("/console/account", {"full_name": "Ada Lovelace"})
    owner.refresh_from_db()
    assert owner.full_name == "Ada Lovelace"
    assert "Ada Lovelace" in client.get("/console/account").content.decode()


def test_the_account_page_needs_a_sign_in():
    response = Client().get("/console/account")
    assert response.status_code == 302 and response["Location"].startswith("/signin")


def test_the_header_links_to_the_account_page(owner):
    client, _ = sign_in(owner)
    assert 'href="/console/account"' in client.get("/console/usage").content.decode()


def test_totp_secrets_are_not_stored_in_the_clear(owner):
    secret = pyotp.random_base32()
    TOTP.activate(owner, secret)
    stored = Authenticator.objects.get(user=owner, type="totp").data["secret"]
    assert secret not in stored
    assert TOTP(Authenticator.objects.get(user=owner, type="totp")).validate_code(
        pyotp.TOTP(secret).now()
    )


def test_changing_the_e_mail_takes_effect_only_after_the_new_address_confirms_a_code(owner):
    client, _ = sign_in(owner)
    response = client.post("/console/account/email", {"email": "new@acme.test", "action_add": ""})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email == "owner@acme.test"
    [message] = [m for m in mail.outbox if m.to == ["new@acme.test"]]
    found = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", str(message.body), re.M)
    assert found is not None
    code = found.group(1)
    assert client.post(response["Location"], {"code": code}).status_code == 302
    owner.refresh_from_db()
    assert owner.email == "new@acme.test"
    assert security.has_verified_email(owner)
    assert "email.changed" in actions(owner)


def test_guessing_second_factor_codes_is_throttled(owner):
    secret = pyotp.random_base32()
    TOTP.activate(owner, secret)
    client, answer = sign_in(owner)
    for _ in range(5):
        assert client.post(answer["Location"], {"code": "000000"}).status_code == 200
    refused = client.post(answer["Location"], {"code": pyotp.TOTP(secret).now()})
    assert refused.status_code == 200 and client.get("/console/").status_code == 302


def test_signing_out_the_others_from_allauths_address_is_the_same_and_logged(owner):
    here, _ = sign_in(owner)
    there, _ = sign_in(owner)
    assert here.get("/console/account/sessions/")["Location"] == "/console/account"
    assert here.post("/console/account/sessions/").status_code == 302
    assert there.get("/console/").status_code == 302
    assert here.get("/console/").status_code == 200
    assert actions(owner) == ["sessions.ended"]
