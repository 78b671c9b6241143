"""Sign-up (verified by code), sign-in, sign-out and password reset, on allauth."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client

from accounts.models import AuditEvent, Membership, User
from accounts.roles import Role
from conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.M)


def sign_up(client: Client, email: str, organisation: str = "Analytical Engines") -> Any:
    return client.post(
        "/signup", {"email": email, "password1": PASSWORD, "organisation": organisation}
    )


def code_from(message: mail.EmailMessage) -> str:
    found = CODE_RE.search(str(message.body))
    assert found, message.body
    return found.group(1)


def test_sign_up_asks_for_the_code_then_signs_in_as_owner_of_the_new_tenant(client):
    response = sign_up(client, "Ada@Example.COM")
    assert response.status_code == 302 and response["Location"] == "/verify-email"
    user = User.objects.get(email="ada@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER and membership.tenant.name == "Analytical Engines"
    assert membership.tenant.slug == "analytical-engines"
    assert AuditEvent.objects.for_tenant(membership.tenant).filter(action="tenant.created").exists()
    assert client.get("/console/").status_code == 302  # not signed in before the code
    [message] = mail.outbox
    response = client.post("/verify-email", {"code": code_from(message)})
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert "Analytical Engines" in client.get("/console/").content.decode()


def test_a_wrong_code_does_not_verify(client):
    sign_up(client, "ada@example.com")
    response = client.post("/verify-email", {"code": "WRONG1"})
    assert response.status_code == 200
    assert not EmailAddress.objects.get(email="ada@example.com").verified


def test_passwords_are_hashed_with_argon2id_first():
    assert settings.PASSWORD_HASHERS  # the test settings swap it; the real module does not
    from config import settings as real

    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(
            {"email": "", "password1": PASSWORD, "organisation": "X"}, "required", id="no-email"
        ),
        pytest.param(
            {"email": "nope", "password1": PASSWORD, "organisation": "X"},
            "valid email",
            id="bad-email",
        ),
        pytest.param(
            {"email": "a@example.com", "password1": "123", "organisation": "X"},
            "too short",
            id="short",
        ),
        pytest.param(
            {"email": "a@example.com", "password1": "password", "organisation": "X"},
            "too common",
            id="common",
        ),
        pytest.param(
            {"email": "a@example.com", "password1": PASSWORD, "organisation": "   "},
            "required",
            id="no-org",
        ),
    ],
)
def test_sign_up_errors_are_shown_and_nothing_is_created(client, data, error):
    response = client.post("/signup", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.exists()


def test_sign_in_is_case_insensitive_on_the_address(client, owner):
    response = client.post("/signin", {"login": "Owner@ACME.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200


def test_a_wrong_password_is_refused(client, owner):
    response = client.post("/signin", {"login": owner.email, "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_an_unverified_account_signs_in_and_looks_around(client, tenant):
    user = make_user("late@acme.test", verified=False)
    Membership.objects.create(user=user, tenant=tenant, role=Role.MEMBER)
    response = client.post("/signin", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/console/usage"
    page = client.get("/console/usage").content.decode()
    assert "Verify your e-mail address" in page


def test_sign_out_needs_a_post_and_ends_the_session(client_for, owner):
    client = client_for(owner)
    assert client.get("/signout").status_code == 200  # a confirmation page, no sign-out
    assert client.get("/console/").status_code == 200
    client.post("/signout")
    assert client.get("/console/").status_code == 302


def test_password_reset_by_email_works_once(client, owner):
    client.post("/password-reset", {"email": owner.email})
    assert len(mail.outbox) == 1
    found = re.search(r"http://testserver(\S+)", str(mail.outbox[0].body))
    assert found is not None
    link = found.group(1)
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    new_password = "a much better passphrase 42"
    response = client.post(set_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(new_password)
    assert "no longer works" in client.get(link, follow=True).content.decode()


def test_a_reset_link_from_before_allauth_still_works(client, owner):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(owner.pk))
    link = f"/password-reset/{uid}/{default_token_generator.make_token(owner)}"
    page = client.get(link, follow=True)
    assert "Choose a new password" in page.content.decode()


def test_a_user_without_tenant_is_asked_to_create_one(client_for):
    lonely = make_user("lonely@example.com")
    response = client_for(lonely).get("/console/")
    assert response["Location"] == "/console/tenants/new"


def test_signing_in_opens_the_usage_page(client, owner):
    response = client.post("/signin", {"login": owner.email, "password": PASSWORD})
    assert response["Location"] == "/console/usage"
    assert "Activity only — not a bill." in client.get("/console/usage").content.decode()


def test_the_django_admin_sends_people_to_the_console_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/signin?next=")
