"""Sign-up, sign-in, sign-out and password reset."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail

from accounts.models import AuditEvent, Membership, User
from accounts.roles import Role
from conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_sign_up_creates_the_user_and_their_first_tenant_as_owner(client):
    response = client.post(
        "/signup",
        {"email": "Ada@Example.COM", "password": PASSWORD, "organisation": "Analytical Engines"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="ada@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER and membership.tenant.name == "Analytical Engines"
    assert membership.tenant.slug == "analytical-engines"
    assert AuditEvent.objects.for_tenant(membership.tenant).filter(action="tenant.created").exists()
    assert "Analytical Engines" in client.get("/console/").content.decode()


def test_passwords_are_hashed_with_argon2id_first():
    assert settings.PASSWORD_HASHERS  # the test settings swap it; the real module does not
    from config import settings as real

    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "", "password": PASSWORD, "organisation": "X"}, "This field is required"),
        ({"email": "nope", "password": PASSWORD, "organisation": "X"}, "valid email"),
        ({"email": "a@example.com", "password": "123", "organisation": "X"}, "too short"),
        ({"email": "a@example.com", "password": "password", "organisation": "X"}, "too common"),
        ({"email": "a@example.com", "password": PASSWORD, "organisation": "   "}, "required"),
    ],
)
def test_sign_up_errors_are_shown_and_nothing_is_created(client, data, error):
    response = client.post("/signup", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_with_a_taken_address_is_a_form_error(client, owner):
    response = client.post(
        "/signup", {"email": "OWNER@acme.test", "password": PASSWORD, "organisation": "Y"}
    )
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_sign_in_is_case_insensitive_on_the_address(client, owner):
    response = client.post("/signin", {"username": "Owner@ACME.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200


def test_a_wrong_password_is_refused(client, owner):
    response = client.post("/signin", {"username": owner.email, "password": "wrong"})
    assert response.status_code == 200
    assert "correct email" in response.content.decode().lower().replace("e-mail", "email")


def test_sign_out_needs_a_post_and_ends_the_session(client_for, owner):
    client = client_for(owner)
    assert client.get("/signout").status_code == 405
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
    response = client.post(set_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(new_password)
    assert "no longer works" in client.get(link, follow=True).content.decode()


def test_password_reset_says_the_same_for_unknown_addresses(client):
    response = client.post("/password-reset", {"email": "nobody@nowhere.test"})
    assert response.status_code == 302
    assert not mail.outbox


def test_a_user_without_tenant_is_asked_to_create_one(client_for):
    lonely = make_user("lonely@example.com")
    response = client_for(lonely).get("/console/")
    assert response["Location"] == "/console/tenants/new"


def test_signing_in_opens_the_usage_page(client, owner):
    response = client.post("/signin", {"username": owner.email, "password": PASSWORD})
    assert response["Location"] == "/console/usage"
    assert "Activity only — not a bill." in client.get("/console/usage").content.decode()
