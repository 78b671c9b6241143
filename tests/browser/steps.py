"""Steps several journeys share: keyboard focus, invitations through the UI, API calls."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from django.core import mail
from playwright.sync_api import expect

from conftest import PASSWORD

LINK_RE = re.compile(r"https?://\S+/invitations/\S+")


def focus_by_tab(page: Any, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text (or aria-label) is `name`: keyboard only."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate(
            "() => { const e = document.activeElement; if (!e) return '';"
            " return (e.getAttribute('aria-label') || e.textContent || '').trim(); }"
        )
        if text == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def invite_and_join(browsing: Any, admin_page: Any, email: str, role: str = "member") -> Any:
    """The admin invites `email` on Members; the invitee creates an account from the e-mail
    link in a context of their own. Returns the invitee's page, on the console."""
    admin_page.goto("/console/members")
    admin_page.get_by_label("E-mail").fill(email)
    admin_page.get_by_label("Role").select_option(role)
    admin_page.get_by_role("button", name="Send invitation").click()
    expect(admin_page.locator(".messages")).to_contain_text(f"Invitation sent to {email}")

    (message,) = [m for m in mail.outbox if m.to == [email]]
    link = LINK_RE.search(str(message.body))
    assert link, message.body
    page = browsing.page()
    page.goto(link.group(0))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    return page


def sign_up_and_verify(page: Any, email: str, organisation: str) -> None:
    """Sign up on /signup, then enter the code from the e-mail: lands on the console."""
    page.goto("/signup")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Organisation name").fill(organisation)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/verify-email$"))
    (message,) = [m for m in mail.outbox if m.to == [email]]
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", str(message.body), re.M)
    assert code, message.body
    page.get_by_label("Code").fill(code.group(1))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/console/$"))


def call_api(base_url: str, path: str, key: str) -> tuple[int, dict[str, Any]]:
    """GET an API path with the key as a Bearer token: (status, JSON body)."""
    request = urllib.request.Request(
        base_url + path, headers={"Authorization": f"Bearer {key}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
