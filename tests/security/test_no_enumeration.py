"""Sign-up, sign-in and password reset answer the same whether or not an address has an
account: byte for byte, apart from CSRF tokens (and the address itself, where it is shown)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Tenant, User
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def normalised(response, *addresses: str) -> tuple[int, str, bytes]:
    body = CSRF_RE.sub("CSRF", response.content.decode())
    for address in addresses:
        body = body.replace(address, "ADDRESS")
    return response.status_code, response.get("Location", ""), body.encode()


def signup(email: str) -> tuple[Client, Any]:
    client = Client()
    data = {"email": email, "password1": PASSWORD, "organisation": "Probe"}
    return client, client.post("/signup", data)


def test_sign_up_with_a_taken_address_answers_like_a_new_one(owner):
    taken_client, taken = signup(owner.email)
    new_client, new = signup("newcomer@acme.test")
    assert normalised(taken) == normalised(new)
    taken_page = taken_client.get(taken["Location"])
    new_page = new_client.get(new["Location"])
    assert normalised(taken_page, owner.email) == normalised(new_page, "newcomer@acme.test")


def test_the_taken_address_is_told_by_e_mail_and_nothing_is_created(owner):
    signup(owner.email)
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "already" in message.body.lower()
    assert f"using email address: {owner.email} However" in " ".join(str(message.body).split())
    assert User.objects.count() == 1
    assert not Tenant.objects.filter(name="Probe").exists()


def test_a_new_address_gets_a_code_instead():
    signup("newcomer@acme.test")
    [message] = mail.outbox
    assert re.search(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$", str(message.body), re.M)


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(owner):
    known_client, unknown_client = Client(), Client()
    known = known_client.post("/password-reset", {"email": owner.email})
    unknown = unknown_client.post("/password-reset", {"email": "nobody@acme.test"})
    assert normalised(known) == normalised(unknown)
    assert normalised(known_client.get(known["Location"])) == normalised(
        unknown_client.get(unknown["Location"])
    )
    assert [m.to for m in mail.outbox] == [[owner.email]]


def test_a_wrong_password_answers_like_an_unknown_address(owner):
    wrong = Client().post("/signin", {"login": owner.email, "password": "wrong"})
    unknown = Client().post("/signin", {"login": "nobody@acme.test", "password": "wrong"})
    assert normalised(wrong, owner.email) == normalised(unknown, "nobody@acme.test")


def test_sign_ups_per_address_are_limited_whether_or_not_it_has_an_account(owner):
    statuses = []
    for email in (owner.email, "newcomer@acme.test"):
        answers = [signup(email)[1] for _ in range(4)]
        statuses.append([a.status_code for a in answers])
        assert "Too many sign-ups for this address" in answers[-1].content.decode()
    # The second and third are within allauth's 10-second cool-down for mailing one address.
    assert statuses == [[302, 429, 429, 200]] * 2


def test_password_resets_per_address_are_limited(owner):
    client = Client()
    for _ in range(5):
        client.post("/password-reset", {"email": owner.email})
    assert len(mail.outbox) == 3


def test_a_taken_address_costs_a_password_hash_like_a_new_account(owner, monkeypatch):
    """Timing must not tell them apart: each sign-up hashes the password exactly once."""
    import django.contrib.auth.hashers as hashers

    calls: list[str] = []
    real = hashers.make_password

    def counting(password, *args, **kwargs):
        calls.append("hash")
        return real(password, *args, **kwargs)

    monkeypatch.setattr(hashers, "make_password", counting)
    monkeypatch.setattr("accounts.auth_forms.make_password", counting)
    monkeypatch.setattr("django.contrib.auth.base_user.make_password", counting)
    signup(owner.email)
    taken = len(calls)
    calls.clear()
    signup("newcomer@acme.test")
    assert taken == len(calls) >= 1
