"""The console's bad-input corpus: each case is a hostile request against a console form.

Every case must end in a clear refusal — a 4xx, or the form shown again with its error — and
never a 500; nothing may be written (users, tenants, memberships, invitations, audit, keys,
e-mail), and no markup sent in may come back unescaped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts import memberships
from accounts.models import Membership, Tenant, User
from core.acting import Actor
from tests.corpus.corpus import Corpus, written

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('kw')</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg/onload=alert(1)>"
SQL = "' OR 1=1; DROP TABLE accounts_user; --"
NUL = "bad\x00value"
RTL = "\u202egnp.exe"
EMOJI = "🔑🔥" * 3
LONG = "a" * 10_000
HUGE = "b" * 300_000  # beyond DATA_UPLOAD_MAX_MEMORY_SIZE (256 KiB)
BIG_INT = str(10**30)

FORM = "form"  # 200, the form again with an error
MESSAGE = "message"  # a redirect to a page that shows an error message
QUIET = "quiet"  # a redirect that reveals nothing and writes nothing (no account enumeration)
LOCAL = "local"  # a redirect that stays on this site


@dataclass(frozen=True)
class Case:
    """One hostile request and the refusal it must get."""

    who: str  # anonymous, owner, admin, member
    method: str
    path: str
    expect: int | str
    data: dict[str, Any] | str | None = None
    content_type: str | None = None
    csrf: bool = False
    extra: dict[str, str] = field(default_factory=dict)


FORMS = Corpus[Case]()
add = FORMS.add


value: Any  # the loops below feed strings and repeated (list) values alike

# --- sign-up ---------------------------------------------------------------------------
GOOD_SIGNUP = {
    "email": "new@example.test",
    "password": "correct horse battery staple",
    "organisation": "Newco",
}
for label, value in {
    "empty": "",
    "no-at": "not-an-email",
    "oversized-local": LONG + "@example.test",
    "oversized-domain": "x@" + "d" * 300 + ".test",
    "script": SCRIPT + "@example.test",
    "attribute-break": IMG,
    "svg": SVG,
    "sql": SQL,
    "nul": "a\x00b@example.test",
    "non-ascii-local": "ünïcødé@example.test",
    "rtl": RTL + "@example.test",
    "emoji": EMOJI + "@example.test",
    "header-injection": "x@example.test\r\nBcc: victim@example.test",
    "existing": "owner@acme.test",
    "existing-other-case": "OWNER@ACME.TEST",
    "no-domain": "someone@",
}.items():
    add(
        f"signup-email-{label}",
        Case("anonymous", "post", "/signup", FORM, {**GOOD_SIGNUP, "email": value}),
    )
for label, value in {
    "empty": "",
    "short": "short",
    "numeric": "12345678901234",
    "common": "password",
    "same-as-email": "new@example.test",
    "nul": "correct horse\x00battery staple",
}.items():
    add(
        f"signup-password-{label}",
        Case("anonymous", "post", "/signup", FORM, {**GOOD_SIGNUP, "password": value}),
    )
for label, value in {
    "empty": "",
    "blank": "   \t ",
    "oversized": LONG,
    "nul": NUL,
    "script-oversized": SCRIPT * 20,
}.items():
    add(
        f"signup-organisation-{label}",
        Case("anonymous", "post", "/signup", FORM, {**GOOD_SIGNUP, "organisation": value}),
    )
for missing in ["email", "password", "organisation"]:
    add(
        f"signup-missing-{missing}",
        Case(
            "anonymous",
            "post",
            "/signup",
            FORM,
            {k: v for k, v in GOOD_SIGNUP.items() if k != missing},
        ),
    )
add("signup-empty-body", Case("anonymous", "post", "/signup", FORM, {}))
add(
    "signup-repeated-email-last-bad",
    Case("anonymous", "post", "/signup", FORM, {**GOOD_SIGNUP, "email": ["new@example.test", IMG]}),
)
add(
    "signup-json-body",
    Case(
        "anonymous",
        "post",
        "/signup",
        FORM,
        '{"email": "new@example.test"}',
        content_type="application/json",
    ),
)
add(
    "signup-oversized-body",
    Case("anonymous", "post", "/signup", 400, {**GOOD_SIGNUP, "organisation": HUGE}),
)
add(
    "signup-too-many-fields",
    Case(
        "anonymous", "post", "/signup", 400, {**GOOD_SIGNUP, **{f"f{i}": "x" for i in range(1100)}}
    ),
)
add("signup-without-csrf-token", Case("anonymous", "post", "/signup", 403, GOOD_SIGNUP, csrf=True))

# --- sign-in ---------------------------------------------------------------------------
for label, (username, password) in {
    "wrong-password": ("owner@acme.test", "not the password"),
    "unknown-user": ("nobody@example.test", "whatever it is"),
    "empty": ("", ""),
    "script-username": (SCRIPT, "x"),
    "attribute-break": (IMG, "x"),
    "sql-username": (SQL, "x"),
    "sql-password": ("owner@acme.test", SQL),
    "nul-username": ("owner@acme.test\x00", "x"),
    "nul-password": ("owner@acme.test", "correct horse\x00"),
    "oversized-username": (LONG, "x"),
    "oversized-password": ("owner@acme.test", LONG),
    "emoji": (EMOJI, EMOJI),
    "rtl": (RTL, RTL),
}.items():
    add(
        f"signin-{label}",
        Case("anonymous", "post", "/signin", FORM, {"username": username, "password": password}),
    )
add(
    "signin-missing-password",
    Case("anonymous", "post", "/signin", FORM, {"username": "owner@acme.test"}),
)
add(
    "signin-repeated-username",
    Case(
        "anonymous",
        "post",
        "/signin",
        FORM,
        {"username": ["owner@acme.test", SVG], "password": "x"},
    ),
)
add(
    "signin-json-body",
    Case(
        "anonymous",
        "post",
        "/signin",
        FORM,
        '{"username": "owner@acme.test"}',
        content_type="application/json",
    ),
)
add(
    "signin-next-offsite",
    Case(
        "anonymous",
        "post",
        "/signin",
        FORM,
        {"username": "owner@acme.test", "password": "wrong", "next": "https://evil.example/"},
    ),
)
add(
    "signin-oversized-body",
    Case("anonymous", "post", "/signin", 400, {"username": "x@example.test", "password": HUGE}),
)
add(
    "signin-without-csrf-token",
    Case(
        "anonymous",
        "post",
        "/signin",
        403,
        {"username": "owner@acme.test", "password": "x"},
        csrf=True,
    ),
)

# --- password reset ----------------------------------------------------------------------
for label, value in {
    "empty": "",
    "no-at": "nope",
    "script": SCRIPT,
    "attribute-break": IMG,
    "nul": "owner@acme.test\x00",
    "oversized": LONG + "@example.test",
    "header-injection": "owner@acme.test\nBcc: victim@example.test",
}.items():
    add(
        f"reset-email-{label}", Case("anonymous", "post", "/password-reset", FORM, {"email": value})
    )
add(
    "reset-unknown-address-reveals-nothing",
    Case("anonymous", "post", "/password-reset", QUIET, {"email": "nobody@example.test"}),
)
add("reset-missing-email", Case("anonymous", "post", "/password-reset", FORM, {}))
for label, path in {
    "garbage": "/password-reset/!!!/nope",
    "script": "/password-reset/%3Cscript%3E/x",
    "oversized": "/password-reset/" + "A" * 2000 + "/set-password",
    "sql": "/password-reset/%27%20OR%201%3D1/x",
}.items():
    add(f"reset-confirm-{label}", Case("anonymous", "get", path, FORM))

# --- invitation links ----------------------------------------------------------------------
for label, token in {
    "unknown": "not-a-real-token",
    "oversized": "t" * 5000,
    "script": "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "sql": "%27%20OR%201%3D1%20--",
    "nul": "abc%00def",
    "emoji": "%F0%9F%94%91",
}.items():
    # A token that decodes to a path with "/" matches no route at all: 404. A NUL byte is
    # refused before any view (config.middleware.RejectNulBytesMiddleware): 400.
    gone = 404 if "%2F" in token else 400 if "%00" in token else 410
    add(f"invitation-token-{label}", Case("anonymous", "get", f"/invitations/{token}", gone))
    add(
        f"invitation-token-{label}-post",
        Case(
            "anonymous",
            "post",
            f"/invitations/{token}",
            gone,
            {"email": "new@acme.test", "password": "correct horse battery staple"},
        ),
    )
for label, data in {
    "empty-password": {"email": "new@acme.test", "password": ""},
    "short-password": {"email": "new@acme.test", "password": "short"},
    "nul-password": {"email": "new@acme.test", "password": "correct horse\x00staple"},
    "other-email": {"email": "intruder@example.test", "password": "correct horse battery"},
    "script-email": {"email": SCRIPT, "password": "correct horse battery staple"},
    "missing-password": {"email": "new@acme.test"},
    "empty-body": {},
}.items():
    add(f"invitation-accept-{label}", Case("anonymous", "post", "/invitations/{token}", FORM, data))

# --- invite a member (owner) -----------------------------------------------------------------
for label, value in {
    "empty": "",
    "no-at": "nope",
    "script": SCRIPT,
    "attribute-break": IMG,
    "sql": SQL,
    "nul": "x\x00@example.test",
    "oversized": LONG + "@example.test",
    "rtl": RTL,
    "existing-member": "member@acme.test",
    "existing-member-other-case": "Member@Acme.Test",
    "header-injection": "x@example.test\r\nBcc: victim@example.test",
}.items():
    add(
        f"invite-email-{label}",
        Case("owner", "post", "/console/members/invite", FORM, {"email": value, "role": "member"}),
    )
for label, value in {
    "owner": "owner",
    "superowner": "superowner",
    "empty": "",
    "upper-case": "ADMIN",
    "padded": " admin ",
    "nul": "admin\x00",
    "script": SCRIPT,
    "number": "1",
    "repeated-last-owner": ["member", "owner"],
}.items():
    add(
        f"invite-role-{label}",
        Case(
            "owner",
            "post",
            "/console/members/invite",
            FORM,
            {"email": "new@example.test", "role": value},
        ),
    )
add(
    "invite-missing-role",
    Case("owner", "post", "/console/members/invite", FORM, {"email": "new@example.test"}),
)
add(
    "invite-by-a-member",
    Case(
        "member",
        "post",
        "/console/members/invite",
        403,
        {"email": "new@example.test", "role": "member"},
    ),
)
add(
    "invite-admin-offers-owner",
    Case(
        "admin",
        "post",
        "/console/members/invite",
        FORM,
        {"email": "new@example.test", "role": "owner"},
    ),
)
add("invite-get", Case("owner", "get", "/console/members/invite", LOCAL))
add("invite-put", Case("owner", "put", "/console/members/invite", 405))
add("invite-delete", Case("owner", "delete", "/console/members/invite", 405))
add(
    "invite-without-csrf-token",
    Case(
        "owner",
        "post",
        "/console/members/invite",
        403,
        {"email": "new@example.test", "role": "member"},
        csrf=True,
    ),
)

# --- change a role -----------------------------------------------------------------------
for label, value in {
    "superowner": "superowner",
    "empty": "",
    "upper-case": "ADMIN",
    "nul": "admin\x00",
    "script": SCRIPT,
    "big-number": BIG_INT,
    "repeated-last-bad": ["admin", "root"],
}.items():
    add(
        f"role-{label}",
        Case("owner", "post", "/console/members/{member}/role", MESSAGE, {"role": value}),
    )
add("role-missing", Case("owner", "post", "/console/members/{member}/role", MESSAGE, {}))
add(
    "role-admin-makes-owner",
    Case("admin", "post", "/console/members/{member}/role", MESSAGE, {"role": "owner"}),
)
add(
    "role-by-a-member",
    Case("member", "post", "/console/members/{admin}/role", 403, {"role": "member"}),
)
add(
    "role-foreign-membership",
    Case("owner", "post", "/console/members/{foreign}/role", 404, {"role": "member"}),
)
add(
    "role-missing-membership",
    Case("owner", "post", "/console/members/987654/role", 404, {"role": "member"}),
)
add(
    "role-membership-id-beyond-bigint",
    Case("owner", "post", f"/console/members/{BIG_INT}/role", 404, {"role": "member"}),
)
add(
    "role-membership-id-not-a-number",
    Case("owner", "post", "/console/members/abc/role", 404, {"role": "member"}),
)
add(
    "role-membership-id-negative",
    Case("owner", "post", "/console/members/-1/role", 404, {"role": "member"}),
)

# --- remove, transfer, withdraw by id -------------------------------------------------------
for action in ["remove", "transfer"]:
    for label, pk in {
        "foreign": "{foreign}",
        "missing": "987654",
        "huge": BIG_INT,
        "text": "abc",
    }.items():
        add(
            f"{action}-{label}-membership",
            Case("owner", "post", f"/console/members/{pk}/{action}", 404),
        )
add("remove-by-a-member", Case("member", "post", "/console/members/{admin}/remove", 403))
add("transfer-page-for-an-admin", Case("admin", "get", "/console/members/{member}/transfer", 403))
add(
    "withdraw-foreign-invitation",
    Case("owner", "post", "/console/invitations/{foreign_invitation}/revoke", 404),
)
add("withdraw-missing-invitation", Case("owner", "post", "/console/invitations/987654/revoke", 404))
add(
    "withdraw-invitation-get",
    Case("owner", "get", "/console/invitations/{invitation}/revoke", LOCAL),
)
add("withdraw-by-a-member", Case("member", "post", "/console/invitations/{invitation}/revoke", 403))

# --- tenant settings (owner) ----------------------------------------------------------------
GOOD_SETTINGS = {"name": "Acme", "time_zone": "UTC"}
for label, value in {
    "empty": "",
    "blank": "   ",
    "oversized": LONG,
    "nul": NUL,
}.items():
    add(
        f"settings-name-{label}",
        Case("owner", "post", "/console/settings", FORM, {**GOOD_SETTINGS, "name": value}),
    )
for label, value in {
    "unknown": "Mars/Olympus_Mons",
    "empty": "",
    "path": "../../etc/passwd",
    "nul": "UTC\x00",
    "script": SCRIPT,
    "lower-case": "europe/paris",
    "offset": "+02:00",
    "oversized": LONG,
}.items():
    add(
        f"settings-time-zone-{label}",
        Case("owner", "post", "/console/settings", FORM, {**GOOD_SETTINGS, "time_zone": value}),
    )
add("settings-missing-fields", Case("owner", "post", "/console/settings", FORM, {}))
add(
    "settings-by-a-member",
    Case("member", "post", "/console/settings", 403, {**GOOD_SETTINGS, "name": "Taken over"}),
)
add(
    "settings-by-an-admin",
    Case("admin", "post", "/console/settings", 403, {**GOOD_SETTINGS, "name": "Taken over"}),
)
add(
    "settings-oversized-body",
    Case("owner", "post", "/console/settings", 400, {**GOOD_SETTINGS, "name": HUGE}),
)
add(
    "settings-without-csrf-token",
    Case(
        "owner", "post", "/console/settings", 403, {**GOOD_SETTINGS, "name": "Changed"}, csrf=True
    ),
)

# --- new tenant --------------------------------------------------------------------------
for label, value in {"empty": "", "blank": " \n ", "oversized": LONG, "nul": NUL}.items():
    add(
        f"tenant-create-name-{label}",
        Case("owner", "post", "/console/tenants/new", FORM, {"name": value}),
    )
add("tenant-create-missing-name", Case("owner", "post", "/console/tenants/new", FORM, {}))

# --- tenant switch ----------------------------------------------------------------------------
for label, value in {
    "text": "abc",
    "negative": "-1",
    "zero": "0",
    "beyond-bigint": BIG_INT,
    "fraction": "1.5",
    "empty": "",
    "nul": "1\x00",
    "script": SCRIPT,
    "foreign": "{foreign_tenant}",
    "missing-tenant": "987654",
    "repeated-last-foreign": ["{tenant}", "{foreign_tenant}"],
}.items():
    add(f"switch-tenant-{label}", Case("owner", "post", "/console/switch", 404, {"tenant": value}))
add("switch-missing-tenant-field", Case("owner", "post", "/console/switch", 404, {}))
for label, value in {
    "offsite": "https://evil.example/",
    "protocol-relative": "//evil.example/",
    "javascript": "javascript:alert(1)",
    "backslashes": "/\\evil.example",
}.items():
    add(
        f"switch-next-{label}",
        Case("owner", "post", "/console/switch", LOCAL, {"tenant": "{tenant}", "next": value}),
    )
add(
    "switch-next-oversized",
    Case("owner", "post", "/console/switch", 404, {"tenant": "{tenant}", "next": "/" + LONG}),
)
add("switch-get", Case("owner", "get", "/console/switch", LOCAL))
add("switch-anonymous", Case("anonymous", "post", "/console/switch", LOCAL, {"tenant": "{tenant}"}))

# --- methods a form page must not accept ------------------------------------------------------
# GET /signout asks "Sign out?" and signs nobody out; only the POST does.
add("signout-get", Case("owner", "get", "/signout", 200))
# Django's class-based form views treat PUT as a POST of nothing (the form with its errors)
# and refuse DELETE.
for path in ["/signin", "/signup", "/password-reset"]:
    add(f"put-{path.strip('/')}", Case("anonymous", "put", path, FORM))
    add(f"delete-{path.strip('/')}", Case("anonymous", "delete", path, 405))
for who, path in [
    ("owner", "/console/settings"),
    ("owner", "/console/tenants/new"),
    ("owner", "/console/members/{member}/remove"),
    ("owner", "/console/members/{member}/transfer"),
    ("owner", "/console/members/leave"),
    ("anonymous", "/invitations/{token}"),
]:
    for method in ["put", "delete"]:
        slug = path.strip("/").replace("/", "-").replace("{", "").replace("}", "")
        add(f"{method}-{slug}", Case(who, method, path, 405))
add("get-role-change", Case("owner", "get", "/console/members/{member}/role", LOCAL))


# --- the checks -------------------------------------------------------------------------------
def strings_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return [value] if isinstance(value, str) else []


@pytest.fixture
def world(
    tenant: Tenant,
    other_tenant: Tenant,
    owner: User,
    admin: User,
    member: User,
    outsider: User,
) -> dict[str, str]:
    """Ids and tokens the cases' paths refer to."""
    actor = Actor(user=owner, label=owner.email)
    by = Membership.objects.get(user=owner)
    invitation, token = memberships.invite(actor, by, "new@acme.test", "member")
    foreign_by = Membership.objects.get(user=outsider)
    foreign_invitation, _ = memberships.invite(
        Actor(user=outsider, label=outsider.email), foreign_by, "x@globex.test", "member"
    )
    mail.outbox.clear()
    return {
        "member": str(Membership.objects.get(user=member).pk),
        "admin": str(Membership.objects.get(user=admin).pk),
        "foreign": str(foreign_by.pk),
        "tenant": str(tenant.pk),
        "foreign_tenant": str(other_tenant.pk),
        "token": token,
        "invitation": str(invitation.pk),
        "foreign_invitation": str(foreign_invitation.pk),
    }


def fill(value: Any, world: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, replacement in world.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, list):
        return [fill(item, world) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    return value


def client_as(who: str, users: dict[str, User], csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if who != "anonymous":
        client.force_login(users[who])
    return client


def send(client: Client, case: Case, world: dict[str, str]) -> Any:
    path = fill(case.path, world)
    data = fill(case.data, world)
    kwargs: dict[str, Any] = dict(case.extra)
    if case.content_type:
        kwargs["content_type"] = case.content_type
    call: Callable[..., Any] = getattr(client, case.method)
    if data is None:
        return call(path, **kwargs)
    return call(path, data, **kwargs)


@pytest.mark.parametrize("case", FORMS.params())
def test_bad_console_input_is_refused_clearly(
    case: Case, world: dict[str, str], owner: User, admin: User, member: User
) -> None:
    before = written()
    client = client_as(case.who, {"owner": owner, "admin": admin, "member": member}, case.csrf)
    response = send(client, case, world)
    body = response.content.decode(errors="replace")

    assert response.status_code < 500
    if isinstance(case.expect, int):
        assert response.status_code == case.expect, (response.status_code, body[:300])
    elif case.expect == FORM:
        assert response.status_code == 200, response.status_code
        assert 'class="error"' in body or "no longer works" in body, body[:2000]
    elif case.expect == MESSAGE:
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert "message-error" in page.content.decode()
    elif case.expect in (QUIET, LOCAL):
        assert response.status_code == 302
        location = response["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert written() == before, "the request wrote something"
    for sent in strings_in(fill(case.data, world)):
        if any(mark in sent for mark in "<>\"'") and len(sent) > 3:
            assert sent not in body, f"echoed unescaped: {sent[:80]!r}"


def test_the_corpus_is_large_enough() -> None:
    assert len(FORMS) >= 120
