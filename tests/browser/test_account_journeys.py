"""Journeys through the accounts console in Chromium: sign-up, invitations, members, the
tenant switcher, the remove dialog by keyboard, and the same pages without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import AuditAction, AuditEvent, Membership, User
from accounts.roles import Role
from conftest import join, make_tenant, make_user
from tests.browser.steps import focus_by_tab, invite_and_join, sign_up_and_verify

pytestmark = pytest.mark.browser


def test_sign_up_verifies_the_code_then_lands_on_the_console_as_owner(browsing: Any) -> None:
    page = browsing.page()
    sign_up_and_verify(page, "founder@initech.test", "Initech")
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech")
    expect(page.locator(".user-menu .badge")).to_have_text("Owner")
    membership = Membership.objects.get(user__email="founder@initech.test")
    assert (membership.tenant.name, membership.role) == ("Initech", Role.OWNER)


def test_an_invited_person_joins_appears_in_members_and_audit_then_loses_access_on_removal(
    browsing: Any,
) -> None:
    tenant = make_tenant("Acme")
    owner = make_user("owner@acme.test")
    join(owner, tenant, Role.OWNER)
    admin_page = browsing.page(owner)
    newcomer_page = invite_and_join(browsing, admin_page, "newcomer@acme.test")
    expect(newcomer_page.get_by_role("heading", level=1)).to_have_text("Acme")
    expect(newcomer_page.locator(".user-menu .badge")).to_have_text("Member")

    admin_page.reload()
    row = admin_page.get_by_role("row").filter(has_text="newcomer@acme.test")
    expect(row).to_have_count(1)
    admin_page.get_by_role("link", name="Audit log").click()
    expect(admin_page.get_by_role("row").filter(has_text="Member joined")).to_have_count(1)

    admin_page.get_by_role("link", name="Members").click()
    row.get_by_role("link", name="Remove").click()
    dialog = admin_page.locator("dialog[open]")
    expect(dialog).to_contain_text("Remove newcomer@acme.test?")
    dialog.get_by_role("button", name="Remove member").click()
    expect(admin_page.locator(".messages")).to_contain_text("newcomer@acme.test was removed")
    expect(row).to_have_count(0)

    newcomer_page.goto("/console/members")
    expect(newcomer_page).to_have_url(re.compile(r"/console/tenants/new$"))
    assert "Acme" not in newcomer_page.content()
    assert "owner@acme.test" not in newcomer_page.content()
    assert AuditEvent.objects.filter(tenant=tenant, action=AuditAction.MEMBER_REMOVED).exists()


def test_the_tenant_switcher_changes_organisation_on_select_without_a_button(
    browsing: Any,
) -> None:
    user = make_user("both@example.test")
    join(user, make_tenant("Acme"), Role.OWNER)
    globex = make_tenant("Globex")
    join(user, globex, Role.MEMBER)
    page = browsing.page(user)
    page.goto("/console/members")
    expect(page.get_by_role("button", name="Switch")).to_be_hidden()
    first = page.locator("h1").text_content()

    other = (
        "Globex" if "Acme" in page.locator("#tenant-switch option:checked").inner_text() else "Acme"
    )
    page.get_by_label("Organisation").select_option(label=other)

    expect(page.locator("#tenant-switch option:checked")).to_have_text(other)
    expect(page).to_have_url(re.compile(r"/console/members$"))
    expect(page.locator(".user-menu .badge")).to_have_text(
        "Member" if other == "Globex" else "Owner"
    )
    assert page.locator("h1").text_content() == first  # same page, other tenant


def test_the_remove_dialog_works_by_keyboard_alone_and_returns_focus_on_escape(
    browsing: Any,
) -> None:
    tenant = make_tenant("Acme")
    owner = make_user("owner@acme.test")
    join(owner, tenant, Role.OWNER)
    join(make_user("leaver@acme.test"), tenant, Role.MEMBER)
    page = browsing.page(owner)
    page.goto("/console/members")

    focus_by_tab(page, "Remove")
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    # The safe choice has the focus: an Enter straight away only closes the dialog.
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    assert page.evaluate("document.activeElement.textContent").strip() == "Remove"
    assert Membership.objects.filter(user__email="leaver@acme.test").exists()

    page.keyboard.press("Enter")
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert page.evaluate("document.activeElement.textContent").strip() == "Remove"

    page.keyboard.press("Enter")
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Remove member")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("leaver@acme.test was removed")
    assert not Membership.objects.filter(user__email="leaver@acme.test").exists()


def test_without_javascript_remove_goes_through_the_plain_confirmation_page(
    browsing: Any,
) -> None:
    tenant = make_tenant("Acme")
    owner = make_user("owner@acme.test")
    join(owner, tenant, Role.OWNER)
    join(owner, make_tenant("Globex"), Role.OWNER)
    leaver = make_user("leaver@acme.test")
    membership = join(leaver, tenant, Role.MEMBER)
    page = browsing.page(owner, javascript=False)
    page.goto("/console/members")
    if page.locator("#tenant-switch option:checked").inner_text() != "Acme":
        # Without JavaScript the switcher has a visible Switch button.
        page.get_by_label("Organisation").select_option(label="Acme")
        page.get_by_role("button", name="Switch").click()
        expect(page.locator("#tenant-switch option:checked")).to_have_text("Acme")

    page.get_by_role("row").filter(has_text="leaver@acme.test").get_by_role(
        "link", name="Remove"
    ).click()
    expect(page).to_have_url(re.compile(rf"/console/members/{membership.pk}/remove$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove leaver@acme.test?")
    page.get_by_role("button", name="Remove member").click()

    expect(page).to_have_url(re.compile(r"/console/members$"))
    expect(page.locator(".messages")).to_contain_text("leaver@acme.test was removed")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert User.objects.filter(email="leaver@acme.test").exists()


def test_the_watch_reports_an_inline_script_refused_by_the_csp(browsing: Any) -> None:
    """The CSP check every journey relies on can fail: an injected inline script trips it."""
    page = browsing.page()
    page.goto("/signin")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.body.append(s); }"
    )
    page.wait_for_timeout(100)
    assert page.evaluate("window.inlineRan === undefined")
    problems, browsing.watch.problems = browsing.watch.problems, []
    assert any("Content Security Policy" in problem for problem in problems), problems
