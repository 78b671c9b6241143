"""Every console page, rendered for the people who see it, holds no inline script, no event
handler attribute and no style attribute: the CSP (script-src and style-src 'self') would
block them, so a page relying on one would be broken in every browser."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import int_to_base36, urlsafe_base64_encode

from accounts import memberships
from accounts.models import Membership, Tenant, User
from apikeys import device
from apikeys.models import ApiKey, Kind, create_key
from conftest import PASSWORD, make_user
from core.acting import Actor

SCRIPT_RE = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
TAG_RE = re.compile(r"<[a-zA-Z][^<>]*>", re.S)
HANDLER_RE = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTR_RE = re.compile(r"\sstyle\s*=", re.I)
NONCE_RE = re.compile(r'name="nonce" value="([^"]+)"')

# URL names that are actions (POST, then a redirect) rather than pages.
ACTIONS = {
    "signout",
    "tenant-switch",
    "member-invite",
    "member-role",
    "invitation-revoke",
    "account-end-sessions",
    # allauth's passkey sign-in: JSON options for its script, then a POST and a redirect.
    "mfa_login_webauthn",
    # A plain-text file of recovery codes.
    "mfa_download_recovery_codes",
}
# allauth's names for console pages scanned under their console names (the same routes).
ALIASES = {
    "account_signup",
    "account_login",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
}
# JSON for load balancers and for the CLI's device login, not HTML.
NOT_PAGES = {"healthz", "readyz", "oauth-device-code", "oauth-token"}


def console_url_names() -> set[str]:
    def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, str | None]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.name

    return {
        name
        for route, name in walk(get_resolver().url_patterns)
        if name and not route.startswith(("admin/", "^api/", "api/"))
    }


def show_once_page(client: Client) -> str:
    nonce = NONCE_RE.search(client.get("/console/api-keys/new").content.decode())
    assert nonce, "the create form carries a nonce"
    response = client.post(
        "/console/api-keys/new", {"kind": "user", "name": "Scan", "nonce": nonce.group(1)}
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def pages(
    tenant: Tenant,
    owner: User,
    member: User,
    outsider: User,
    client_for: Callable[[User], Client],
) -> dict[str, list[str]]:
    """URL name → the HTML of that page in each state worth scanning."""
    owner_client, member_client, anonymous = client_for(owner), client_for(member), Client()
    target = Membership.objects.get(user=member)
    owner_membership = Membership.objects.get(user=owner)
    _, token = memberships.invite(
        Actor(user=owner, label=owner.email), owner_membership, "new@acme.test", "member"
    )
    key, _ = create_key(tenant=tenant, kind=Kind.USER, name="Laptop", user=owner)
    ApiKey.objects.filter(pk=key.pk).update(description="<b>bold</b>")
    uid = urlsafe_base64_encode(force_bytes(owner.pk))
    reset = f"/password-reset/{uid}/{default_token_generator.make_token(owner)}"
    invitee = client_for(make_user("new@acme.test"))
    with_mfa = make_user("mfa@acme.test")
    TOTP.activate(with_mfa, pyotp.random_base32())
    RecoveryCodes.activate(with_mfa)
    mfa_client = client_for(with_mfa)
    unverified = client_for(make_user("unverified@acme.test", verified=False))
    mfa_sign_in = Client()
    mfa_sign_in.post("/signin", {"login": with_mfa.email, "password": PASSWORD})
    reset_key = (
        f"/password-reset/key/{int_to_base36(owner.pk)}-{default_token_generator.make_token(owner)}"
    )

    asking = device.start(device.CLIENT_ID, "127.0.0.1", "keyward-cli").authorization
    device_code = asking.display_code

    def html(client: Client, url: str, method: str = "get", **data: Any) -> str:
        response = getattr(client, method)(url, data, follow=True)
        assert response.status_code < 500, (url, response.status_code)
        return str(response.content.decode())

    return {
        "signup": [html(anonymous, "/signup"), html(anonymous, "/signup", "post", email="x")],
        "signin": [html(anonymous, "/signin"), html(anonymous, "/signin", "post", login="x")],
        "password_reset": [html(anonymous, "/password-reset")],
        "password_reset_done": [html(anonymous, "/password-reset/sent")],
        "password_reset_confirm": [html(anonymous, reset), html(anonymous, reset + "x")],
        "password_reset_complete": [html(anonymous, "/password-reset/done")],
        "account_reset_password_from_key": [html(Client(), reset_key)],
        "account_email_verification_sent": [
            html(
                Client(),
                "/signup",
                "post",
                email="fresh@acme.test",
                password1=PASSWORD,
                organisation="F",
            )
        ],
        "account_inactive": [html(anonymous, "/account-inactive")],
        "account_logout": [html(owner_client, "/signout")],
        "account": [html(owner_client, "/console/account"), html(mfa_client, "/console/account")],
        "account_reauthenticate": [html(owner_client, "/console/account/reauthenticate")],
        "account_email": [
            html(owner_client, "/console/account/email"),
            html(unverified, "/console/account/email"),
        ],
        "account_change_password": [html(owner_client, "/console/account/password")],
        "account_set_password": [html(owner_client, "/console/account/password/set")],
        "mfa_index": [
            html(owner_client, "/console/account/2fa/"),
            html(mfa_client, "/console/account/2fa/"),
        ],
        "mfa_authenticate": [html(mfa_sign_in, "/console/account/2fa/authenticate/")],
        "mfa_reauthenticate": [html(mfa_client, "/console/account/2fa/reauthenticate/")],
        "mfa_activate_totp": [html(owner_client, "/console/account/2fa/totp/activate/")],
        "mfa_deactivate_totp": [html(mfa_client, "/console/account/2fa/totp/deactivate/")],
        "mfa_view_recovery_codes": [html(mfa_client, "/console/account/2fa/recovery-codes/")],
        "mfa_generate_recovery_codes": [
            html(mfa_client, "/console/account/2fa/recovery-codes/generate/")
        ],
        "mfa_add_webauthn": [html(owner_client, "/console/account/2fa/webauthn/add/")],
        "mfa_list_webauthn": [html(mfa_client, "/console/account/2fa/webauthn/")],
        "mfa_edit_webauthn": [html(mfa_client, "/console/account/2fa/webauthn/keys/999/edit/")],
        "mfa_remove_webauthn": [html(mfa_client, "/console/account/2fa/webauthn/keys/999/remove/")],
        "mfa_reauthenticate_webauthn": [
            html(mfa_client, "/console/account/2fa/webauthn/reauthenticate/")
        ],
        "usersessions_list": [html(owner_client, "/console/account/sessions/")],
        "invitation": [
            html(anonymous, f"/invitations/{token}"),
            html(invitee, f"/invitations/{token}"),
            html(anonymous, "/invitations/not-a-token"),
        ],
        "console-home": [html(owner_client, "/console/"), html(member_client, "/console/")],
        "tenant-create": [html(owner_client, "/console/tenants/new")],
        "tenant-settings": [
            html(owner_client, "/console/settings"),
            html(member_client, "/console/settings"),
        ],
        "tenant-security": [
            html(owner_client, "/console/settings/security"),
            html(member_client, "/console/settings/security"),
        ],
        "audit-log": [html(owner_client, "/console/audit"), html(member_client, "/console/audit")],
        "members": [
            html(owner_client, "/console/members"),
            html(member_client, "/console/members"),
            html(owner_client, "/console/members/invite", "post", email="bad", role="x"),
        ],
        "member-leave": [html(member_client, "/console/members/leave")],
        "member-remove": [html(owner_client, f"/console/members/{target.pk}/remove")],
        "member-transfer": [html(owner_client, f"/console/members/{target.pk}/transfer")],
        "api-keys": [
            html(owner_client, "/console/api-keys"),
            html(member_client, "/console/api-keys"),
        ],
        "api-key-create": [
            html(owner_client, "/console/api-keys/new"),
            show_once_page(owner_client),
            html(owner_client, "/console/api-keys/new", "post", kind="user", name=""),
        ],
        "api-key-detail": [
            html(owner_client, f"/console/api-keys/{key.public_id}"),
            html(owner_client, "/console/api-keys?filter=idle"),
        ],
        "api-key-created": [html(owner_client, f"/console/api-keys/{key.public_id}/created")],
        "device": [
            html(owner_client, "/console/device"),
            html(owner_client, f"/console/device?code={device_code}"),
            html(owner_client, "/console/device?code=BBBB-BBBB"),
        ],
        "api-key-revoke": [html(owner_client, f"/console/api-keys/{key.public_id}/revoke")],
        "api-key-regenerate": [html(owner_client, f"/console/api-keys/{key.public_id}/regenerate")],
        "usage": [
            html(owner_client, "/console/usage"),
            html(member_client, "/console/usage"),
            html(owner_client, "/console/usage", flow="flow_nope", key="key_nope"),
        ],
        "errors": [html(owner_client, "/console/nowhere"), html(member_client, "/console/audit")],
    }


def test_every_console_page_is_in_the_scan(pages: dict[str, list[str]]) -> None:
    missing = console_url_names() - set(pages) - ACTIONS - ALIASES - NOT_PAGES
    assert not missing, f"add these console pages to the scan: {sorted(missing)}"


def offenders(pages: dict[str, list[str]], find: Callable[[str], list[str]]) -> list[str]:
    return [
        f"{name}: {hit}" for name, htmls in pages.items() for html in htmls for hit in find(html)
    ]


def test_no_page_has_an_inline_script(pages: dict[str, list[str]]) -> None:
    def inline(html: str) -> list[str]:
        return [
            match.group(0)[:120]
            for match in SCRIPT_RE.finditer(html)
            # A JSON data block (allauth's passkey settings) is data, never run: CSP allows it.
            if 'type="application/json"' not in match.group(1)
            and ("src=" not in match.group(1) or match.group(2).strip())
        ]

    assert not offenders(pages, inline)
    assert any(SCRIPT_RE.search(html) for htmls in pages.values() for html in htmls)


def test_no_page_has_an_event_handler_attribute(pages: dict[str, list[str]]) -> None:
    def handlers(html: str) -> list[str]:
        return [tag[:120] for tag in TAG_RE.findall(html) if HANDLER_RE.search(tag)]

    assert not offenders(pages, handlers)


def test_no_page_has_a_style_attribute_or_element(pages: dict[str, list[str]]) -> None:
    def styles(html: str) -> list[str]:
        found = [tag[:120] for tag in TAG_RE.findall(html) if STYLE_ATTR_RE.search(tag)]
        return found + re.findall(r"<style\b[^>]*>", html, re.I)

    assert not offenders(pages, styles)


def test_no_page_has_a_javascript_url(pages: dict[str, list[str]]) -> None:
    assert not offenders(pages, lambda html: re.findall(r"javascript:[^\"']*", html, re.I))


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<script>alert(1)</script>", "inline script"),
        ('<a href="/" onclick="x()">', "handler"),
        ('<p style="color: red">', "style"),
    ],
)
def test_the_scanners_catch_what_they_look_for(markup: str, expected: str) -> None:
    """A scanner that never matches would pass every page: prove each one can fail."""
    found = {
        "inline script": bool(SCRIPT_RE.search(markup)),
        "handler": any(HANDLER_RE.search(tag) for tag in TAG_RE.findall(markup)),
        "style": any(STYLE_ATTR_RE.search(tag) for tag in TAG_RE.findall(markup)),
    }
    assert [kind for kind, hit in found.items() if hit] == [expected]
