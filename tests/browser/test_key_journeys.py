"""API keys in Chromium: the create dialog by keyboard, the show-once page, the copy button,
the key working on the API, and revocation from the confirmation dialog."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from apikeys.crypto import parse
from apikeys.models import ApiKey
from conftest import join, make_tenant, make_user
from tests.browser.steps import call_api, focus_by_tab, invite_and_join, sign_up_and_verify

pytestmark = pytest.mark.browser


def create_key_by_keyboard(page: Any, name: str, screenshot: Any = None) -> str:
    """On API keys: open the create dialog, name the key and submit, all from the keyboard.
    Returns the raw key from the show-once page."""
    page.goto("/console/api-keys")
    focus_by_tab(page, "Create API key")
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("heading", name="Create API key")).to_be_visible()
    expect(dialog.get_by_label("Name", exact=True)).to_be_focused()
    if screenshot:
        screenshot(page, "key-create-dialog")
    page.keyboard.type(name)
    page.keyboard.press("Enter")  # implicit submission from the text field

    # The dialog's form is sent from script; the show-once page then replaces the list.
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"“{name}” created")
    # The show-once element may be a read-only field or a code block.
    raw = page.locator("#raw-key").evaluate("e => (e.value ?? e.textContent).trim()")
    assert parse(raw) is not None, raw
    return raw


def revoke_in_dialog(page: Any, name: str) -> None:
    page.goto("/console/api-keys")
    page.get_by_role("link", name=f"Revoke {name}").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("heading", level=1)).to_have_text(f"Revoke “{name}”?")
    dialog.get_by_role("button", name="Revoke key").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("API keys")


def test_a_new_owner_creates_copies_uses_and_revokes_a_key(
    browsing: Any, live_server: Any, screenshot: Any
) -> None:
    page = browsing.page()
    sign_up_and_verify(page, "founder@initrode.test", "Initech")

    raw = create_key_by_keyboard(page, "Deploy bot", screenshot)
    screenshot(page, "owner-key-show-once")
    copy = page.locator("button[data-copy='#raw-key']")
    expect(copy).to_be_visible()
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == raw
    expect(page).to_have_url(re.compile(r"/console/api-keys/key_\w+/created$"))

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("This key can no longer be shown")
    assert raw not in page.content()

    status, body = call_api(live_server.url, "/api/v1/whoami", raw)
    assert status == 200, body
    assert (body["email"], body["tenant"]["name"], body["key"]["name"]) == (
        "founder@initrode.test",
        "Initech",
        "Deploy bot",
    )

    page.goto("/console/api-keys")
    screenshot(page, "owner-keys")
    revoke_in_dialog(page, "Deploy bot")
    expect(page.locator(".keys-revoked summary")).to_have_text("Revoked keys (1)")
    status, body = call_api(live_server.url, "/api/v1/whoami", raw)
    assert status == 401, body


def test_an_admin_revokes_the_key_a_freshly_joined_member_created(
    browsing: Any, live_server: Any, screenshot: Any
) -> None:
    tenant = make_tenant("Acme")
    admin = make_user("admin@acme.test")
    join(make_user("owner@acme.test"), tenant, Role.OWNER)
    join(admin, tenant, Role.ADMIN)
    admin_page = browsing.page(admin)

    member_page = invite_and_join(browsing, admin_page, "newcomer@acme.test")
    raw = create_key_by_keyboard(member_page, "Newcomer laptop")
    member_page.goto("/console/api-keys")
    screenshot(member_page, "member-keys")
    assert call_api(live_server.url, "/api/v1/whoami", raw)[0] == 200

    admin_page.goto("/console/api-keys")
    row = admin_page.get_by_role("row").filter(has_text="Newcomer laptop")
    expect(row).to_contain_text("newcomer@acme.test")
    screenshot(admin_page, "admin-keys")
    revoke_in_dialog(admin_page, "Newcomer laptop")

    assert call_api(live_server.url, "/api/v1/whoami", raw)[0] == 401
    key = ApiKey.objects.get(name="Newcomer laptop")
    assert key.revoked_at is not None
    assert key.revoked_by == "admin@acme.test"
    member_page.reload()
    expect(member_page.locator(".keys-revoked summary")).to_have_text("Revoked keys (1)")
