"""Every console page and dialog, as the demo owner and member of Acme, on a phone
(390x844) and a desktop (1280x800): nothing scrolls sideways, axe-core finds no serious or
critical violation, and every control Tab reaches shows its focus. A screenshot of each
screen lands in test-artifacts/screenshots/ to be looked at."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts import memberships
from accounts.models import Membership, Tenant, User
from apikeys import keys
from apikeys.models import ApiKey, Kind, create_key
from conftest import join, make_tenant, make_user
from core.acting import Actor, Principal
from tests.browser.screens import VIEWPORTS, check_screen

pytestmark = pytest.mark.browser


def load_acme() -> Tenant:
    """The demo data, plus a key about to expire, one rolled with a grace period and a
    pending invitation: every state the pages can show."""
    call_command("demo", stdout=StringIO())
    acme = Tenant.objects.get(slug="acme")
    owner = User.objects.get(email="owner@acme.test")
    create_key(
        tenant=acme,
        kind=Kind.TEAM,
        name="Webhook relay with a long descriptive name",
        expires_at=timezone.now() + timedelta(days=3),
    )
    rolled = ApiKey.objects.for_tenant(acme).get(name="CI deploy")
    principal = Principal.of_membership(Membership.objects.get(user=owner))
    actor = Actor(user=owner, label=owner.email)
    keys.regenerate(actor, principal, rolled, timedelta(days=1))
    memberships.invite(
        actor, Membership.objects.get(user=owner), "new.colleague@acme.test", "member"
    )
    return acme


def open_dialog(page: Any, url: str, link: str) -> Any:
    page.goto(url)
    page.get_by_role("link", name=link).first.click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    return dialog


def visit_all(page: Any, role: str, viewport: str, shot: Any) -> dict[str, list[str]]:
    """Screen name → its problems; every screen is saved as a screenshot."""
    found: dict[str, list[str]] = {}

    def check(name: str, tab: bool = True) -> None:
        shot(page, f"{role}-{viewport}-{name}")
        found[name] = check_screen(page, tab=tab)

    pages = {
        "overview": "/console/",
        "usage": "/console/usage",
        "keys": "/console/api-keys",
        "members": "/console/members",
        "settings": "/console/settings",
        "new-organisation": "/console/tenants/new",
    }
    own_key = "Local development" if role == "owner" else "Notebook"
    key_id = ApiKey.objects.get(name=own_key).public_id
    pages |= {
        "key-page": f"/console/api-keys/{key_id}",
        "device": "/console/device",
        "account": "/console/account",
        "account-sessions": "/console/account/sessions/",
        "account-email": "/console/account/email",
        "account-password": "/console/account/password",
        "account-2fa": "/console/account/2fa/",
        "account-totp": "/console/account/2fa/totp/activate/",
    }
    if role == "owner":
        pages["audit"] = "/console/audit"
        pages["security-policy"] = "/console/settings/security"
    for name, url in pages.items():
        assert page.goto(url).status == 200, url
        check(name)

    if viewport == "phone":
        page.goto("/console/api-keys")
        page.get_by_text("Menu", exact=True).click()
        expect(page.get_by_role("navigation", name="Console")).to_be_visible()
        check("header-menu-open", tab=False)

    dialog = open_dialog(page, "/console/api-keys", "Create API key")
    check("dialog-create-key")
    dialog = open_dialog(page, "/console/api-keys", "Create API key")
    dialog.get_by_role("button", name="Create key").click()
    expect(dialog.locator(".error").first).to_be_visible()
    check("dialog-create-key-error")

    open_dialog(page, "/console/api-keys", f"Regenerate {own_key}")
    check("dialog-regenerate")
    open_dialog(page, "/console/api-keys", f"Revoke {own_key}")
    check("dialog-revoke")
    open_dialog(page, "/console/members", "Leave Acme" if role == "member" else "Remove")
    check("dialog-leave" if role == "member" else "dialog-remove-member")
    if role == "owner":
        open_dialog(page, "/console/members", "Make owner")
        check("dialog-transfer")
        page.goto("/console/members/leave")
        check("page-last-owner-leave")

    dialog = open_dialog(page, "/console/api-keys", "Create API key")
    dialog.get_by_label("Name", exact=True).fill(f"Screens {viewport}")
    dialog.get_by_role("button", name="Create key").click()
    expect(page.locator("main h1")).to_contain_text("created")
    check("show-once")
    page.reload()
    check("show-once-gone")
    page.goto("/console/api-keys/new")
    check("page-create-key")
    return found


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", ["owner", "member"])
def test_every_screen_fits_is_accessible_and_shows_focus(
    browsing: Any, screenshot: Any, role: str, viewport: str
) -> None:
    load_acme()
    user = User.objects.get(email=f"{role}@acme.test")
    page = browsing.page(user)
    page.set_viewport_size(VIEWPORTS[viewport])

    found = visit_all(page, role, viewport, screenshot)

    problems = {name: p for name, p in found.items() if p}
    assert not problems, "\n".join(f"{name}: {p}" for name, p in problems.items())


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_signed_out_pages_fit_are_accessible_and_show_focus(
    browsing: Any, screenshot: Any, viewport: str
) -> None:
    page = browsing.page()
    page.set_viewport_size(VIEWPORTS[viewport])
    problems = {}
    for name, url in {
        "signin": "/signin",
        "signup": "/signup",
        "password-reset": "/password-reset",
        "device-signed-out": "/signin?next=/console/device",
    }.items():
        assert page.goto(url).status == 200, url
        screenshot(page, f"anonymous-{viewport}-{name}")
        problems[name] = check_screen(page)
        header = page.locator(".site-header").evaluate("e => e.getBoundingClientRect().height")
        assert header < 80, (name, header)  # one compact row
    assert not any(problems.values()), problems


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_fresh_organisation_is_shown_how_to_start(
    browsing: Any, screenshot: Any, viewport: str
) -> None:
    founder = make_user("founder@initech.test")
    join(founder, make_tenant("Initech"), "owner")
    page = browsing.page(founder)
    page.set_viewport_size(VIEWPORTS[viewport])
    problems = {}
    for name, url in {"overview": "/console/", "usage": "/console/usage"}.items():
        page.goto(url)
        start = page.get_by_role("heading", name="No executions yet: here is how to start")
        expect(start).to_be_visible()
        screenshot(page, f"fresh-{viewport}-{name}")
        problems[name] = check_screen(page)
    assert not any(problems.values()), problems


def png_width(path: Path) -> int:
    """A PNG's width, from its header: a full-page screenshot is as wide as the page."""
    return int.from_bytes(path.read_bytes()[16:20], "big")


def test_without_javascript_the_pages_fit_a_phone_too(browsing: Any, screenshot: Any) -> None:
    """Playwright cannot evaluate script in a page without JavaScript; the full-page
    screenshot's width tells whether the page scrolls sideways."""
    load_acme()
    page = browsing.page(User.objects.get(email="owner@acme.test"), javascript=False)
    page.set_viewport_size(VIEWPORTS["phone"])
    widths = {}
    for name, url in {
        "keys": "/console/api-keys",
        "create-key": "/console/api-keys/new",
        "members": "/console/members",
        "usage": "/console/usage",
    }.items():
        page.goto(url)
        widths[name] = png_width(screenshot(page, f"owner-phone-nojs-{name}"))
    assert widths == dict.fromkeys(widths, VIEWPORTS["phone"]["width"])
    # Without JavaScript the header menu is a <details>: it opens all the same.
    page.get_by_text("Menu", exact=True).click()
    expect(page.get_by_role("link", name="Members")).to_be_visible()


def test_the_screen_checks_catch_overflow_a_hidden_focus_and_an_axe_violation(
    browsing: Any,
) -> None:
    founder = make_user("founder@initech.test")
    join(founder, make_tenant("Initech"), "owner")
    page = browsing.page(founder)
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto("/console/settings")
    assert check_screen(page) == []
    page.evaluate(
        """() => {
        const wide = document.createElement('div');
        wide.className = 'too-wide';
        wide.textContent = 'x'.repeat(400);
        const image = document.createElement('img');
        image.src = '/static/favicon.svg';
        const bare = document.createElement('a');
        bare.href = '#';
        bare.textContent = 'Unstyled';
        bare.classList.add('no-focus');
        document.querySelector('main').prepend(wide, image, bare);
        const sheet = new CSSStyleSheet();
        sheet.replaceSync('.too-wide { white-space: nowrap } .no-focus:focus { outline: none }');
        document.adoptedStyleSheets = [sheet];
    }"""
    )
    problems = " ".join(check_screen(page))
    assert "scrolls sideways" in problems
    assert "axe image-alt (critical)" in problems
    assert 'focus not visible on a "Unstyled"' in problems
