"""Second factors in Chromium: enrol an authenticator app (codes computed with pyotp) and sign
in with it; register a passkey with Chromium's virtual authenticator and sign in with it."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from accounts import security
from accounts.models import User
from apikeys.models import ApiKey
from conftest import PASSWORD, totp_step_start

pytestmark = pytest.mark.browser


def sign_in_with_password(page: Any, user: User) -> None:
    page.goto("/signin")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Any) -> None:
    page.locator(".user-menu").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin"))


def test_enrol_an_authenticator_app_then_sign_in_with_it(browsing: Any, owner: User) -> None:
    page = browsing.page()
    # The live server shares our clock: each code is typed early in its 30-second step.
    with time_machine.travel(totp_step_start(time.time()), tick=True):
        sign_in_with_password(page, owner)
        expect(page).to_have_url(re.compile(r"/console/usage$"))
        page.locator(".user-menu a.user-email").click()
        expect(page).to_have_url(re.compile(r"/console/account$"))
        page.get_by_role("link", name="Set up an authenticator app").click()
        secret = page.locator("#authenticator_secret").input_value()
        page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Activate").click()
        expect(page.locator("main")).to_contain_text("Recovery")
        assert security.has_mfa(owner)

        sign_out(page)
        sign_in_with_password(page, owner)
        expect(page).to_have_url(re.compile(r"/2fa/authenticate/$"))
        # A code is accepted once: the next one comes in the next step.
        with time_machine.travel(totp_step_start(time.time()), tick=True):
            page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Sign In").click()
            expect(page).to_have_url(re.compile(r"/console/usage$"))


def virtual_authenticator(page: Any) -> Any:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_register_a_passkey_then_sign_in_with_it(browsing: Any, owner: User) -> None:
    page = browsing.page()
    virtual_authenticator(page)
    sign_in_with_password(page, owner)
    page.goto("/console/account")
    page.get_by_role("link", name="Add a passkey").click()
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    expect(page.locator("main")).to_contain_text("Recovery")
    assert Authenticator.objects.filter(user=owner, type="webauthn").count() == 1

    sign_out(page)
    page.goto("/signin")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(re.compile(r"/console/usage$"))
    expect(page.locator(".user-menu")).to_contain_text(owner.email)


def test_creating_a_key_in_the_dialog_16_minutes_after_sign_in_asks_for_the_password_first(
    browsing: Any, owner: User
) -> None:
    page = browsing.page()
    sign_in_with_password(page, owner)
    expect(page).to_have_url(re.compile(r"/console/usage$"))
    with time_machine.travel(time.time() + 16 * 60, tick=True):
        page.goto("/console/api-keys")
        page.get_by_role("link", name="Create API key").first.click()
        dialog = page.locator("dialog[open]")
        dialog.get_by_label("Name", exact=True).fill("Deploy bot")
        dialog.get_by_label("Description").fill("CI on main")
        dialog.get_by_role("button", name="Create key").click()

        expect(page).to_have_url(re.compile(r"/console/account/reauthenticate\?next="))
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("“Deploy bot” created")
    key = ApiKey.objects.get()
    assert (key.name, key.description) == ("Deploy bot", "CI on main")
