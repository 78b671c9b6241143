"""Destructive dialogs open on the safe choice, regenerate defaults to a grace period, and a
form's errors stay in its dialog (or, without JavaScript, on a proper page of their own)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.roles import Role
from apikeys.models import ApiKey, Kind, create_key
from conftest import join, make_tenant, make_user
from tests.browser.screens import VIEWPORTS
from tests.browser.steps import focus_by_tab

pytestmark = pytest.mark.browser


@pytest.fixture
def acme(db: None) -> Any:
    tenant = make_tenant("Acme")
    owner = make_user("owner@acme.test")
    join(owner, tenant, Role.OWNER)
    join(make_user("member@acme.test"), tenant, Role.MEMBER)
    key, _ = create_key(tenant=tenant, kind=Kind.USER, name="Laptop", user=owner)
    return owner, key


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("action", ["Revoke", "Regenerate"])
def test_enter_right_after_opening_a_destructive_dialog_destroys_nothing(
    browsing: Any, acme: Any, action: str, viewport: str
) -> None:
    owner, key = acme
    page = browsing.page(owner)
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto("/console/api-keys")
    focus_by_tab(page, f"{action} Laptop")
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()

    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    page.keyboard.press("Enter")  # the focus is back on the opener: open it again
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)

    fresh = ApiKey.objects.get(pk=key.pk)
    assert (fresh.revoked_at, fresh.digest, fresh.previous_digest) == (
        None,
        key.digest,
        key.previous_digest,
    )


def test_the_member_dialogs_open_on_cancel_too(browsing: Any, acme: Any) -> None:
    owner, _ = acme
    page = browsing.page(owner)
    for link in ["Remove", "Make owner"]:
        page.goto("/console/members")
        page.get_by_role("link", name=link).click()
        dialog = page.locator("dialog[open]")
        expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
        page.keyboard.press("Enter")
        expect(dialog).to_have_count(0)
    assert Membership.objects.filter(tenant__name="Acme").count() == 2
    assert Membership.objects.get(user=owner).role == Role.OWNER


def test_regenerate_keeps_the_old_secret_for_a_day_unless_told_otherwise_and_says_so(
    browsing: Any, acme: Any
) -> None:
    owner, key = acme
    page = browsing.page(owner)
    page.goto("/console/api-keys")
    page.get_by_role("link", name="Regenerate Laptop").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_label("Keep the old secret working for")).to_have_value("86400")
    dialog.get_by_role("button", name="Regenerate key").click()
    expect(page.locator("main h1")).to_have_text("New secret for “Laptop”")
    expect(page.locator("main")).to_contain_text("The old secret keeps working until")

    fresh = ApiKey.objects.get(pk=key.pk)
    assert fresh.previous_expires_at is not None
    left = fresh.previous_expires_at - timezone.now()
    assert timedelta(hours=23) < left <= timedelta(hours=24)
    page.goto("/console/api-keys")
    row = page.get_by_role("row").filter(has_text="Laptop")
    expect(row).to_contain_text("Old secret works until")


def test_regenerating_from_the_key_page_shows_the_secret_once(browsing: Any, acme: Any) -> None:
    owner, key = acme
    page = browsing.page(owner)
    page.goto(f"/console/api-keys/{key.public_id}")
    page.get_by_role("link", name="Regenerate").click()
    page.locator("dialog[open]").get_by_role("button", name="Regenerate key").click()
    expect(page.locator("main h1")).to_have_text("New secret for “Laptop”")
    expect(page.locator("button[data-copy='#raw-key']")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/console/api-keys/{key.public_id}/created$"))
    page.reload()
    expect(page.locator("main h1")).to_have_text("This key can no longer be shown")


def test_the_last_owner_is_not_offered_leave_and_is_told_why(browsing: Any, acme: Any) -> None:
    owner, _ = acme
    page = browsing.page(owner)
    page.goto("/console/members")
    expect(page.get_by_role("link", name="Leave Acme")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("You are the only owner")
    page.goto("/console/members/leave")
    expect(page.locator("main h1")).to_have_text("You are the only owner of Acme")
    expect(page.get_by_role("button", name="Leave")).to_have_count(0)


def test_an_error_in_the_create_dialog_stays_in_the_dialog_with_what_was_typed(
    browsing: Any, acme: Any, screenshot: Any
) -> None:
    owner, _ = acme
    page = browsing.page(owner)
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto("/console/api-keys")
    page.get_by_role("link", name="Create API key").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Name", exact=True).fill("Laptop")  # taken by a live key
    dialog.get_by_label("Description").fill("My second laptop")
    dialog.get_by_label("Only the scopes ticked below").check()
    dialog.get_by_role("button", name="Create key").click()

    expect(dialog.get_by_text("Tick at least one scope, or choose Full access.")).to_be_visible()
    expect(dialog.get_by_label("Description")).to_have_value("My second laptop")
    expect(dialog.get_by_label("Name", exact=True)).to_have_value("Laptop")
    expect(page).to_have_url(f"{browsing.base_url}/console/api-keys")

    dialog.get_by_label("keys:read").check()
    dialog.get_by_role("button", name="Create key").click()
    expect(dialog.get_by_text("A live key named “Laptop” already exists.")).to_be_visible()
    expect(dialog.get_by_label("Name", exact=True)).to_be_focused()
    expect(dialog.get_by_label("keys:read")).to_be_checked()
    screenshot(page, "owner-phone-dialog-create-key-name-taken")

    dialog.get_by_label("Name", exact=True).fill("Second laptop")
    dialog.get_by_role("button", name="Create key").click()
    expect(page.locator("main h1")).to_have_text("API key “Second laptop” created")
    assert ApiKey.objects.get(name="Second laptop").scopes == ["keys:read"]


def test_without_javascript_an_error_is_a_proper_page_and_a_reload_of_a_post_is_a_page(
    browsing: Any, acme: Any
) -> None:
    owner, _ = acme
    page = browsing.page(owner, javascript=False)
    page.goto("/console/api-keys")
    page.get_by_role("link", name="Create API key").click()
    page.get_by_label("Name", exact=True).fill("Laptop")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("main h1")).to_have_text("Create API key")
    expect(page.get_by_text("A live key named “Laptop” already exists.")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel")).to_have_attribute("href", "/console/api-keys")

    page.goto("/console/members")
    page.get_by_label("E-mail").fill("not an address")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    page.goto(page.url)  # the error page's address, typed again: a GET
    expect(page.locator("main h1")).to_have_text("Members")
    expect(page).to_have_url(f"{browsing.base_url}/console/members")


def test_an_invite_error_keeps_the_fields_in_line(browsing: Any, acme: Any) -> None:
    owner, _ = acme
    page = browsing.page(owner)
    page.goto("/console/members")
    page.get_by_label("E-mail").fill("not an address")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    email = page.get_by_label("E-mail").bounding_box()
    role = page.get_by_label("Role", exact=True).bounding_box()
    button = page.get_by_role("button", name="Send invitation").bounding_box()
    assert abs(email["y"] - role["y"]) < 1
    assert abs(email["y"] - button["y"]) < 1
