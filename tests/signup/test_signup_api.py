"""Sign-up over the API: three calls, codes that expire and allow 5 tries, one-use tokens,
limits per IP and per address, and answers that never tell an existing address apart."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import Membership, Tenant, User
from accounts.roles import Role
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

PASSWORD = "a long sign-up passphrase 42"


@pytest.fixture(autouse=True)
def _generous_limits(settings: Any) -> None:
    settings.SIGNUP_IP_RATE_LIMIT = "1000/hour"
    settings.SIGNUP_ADDRESS_RATE_LIMIT = "1000/hour"
    settings.ANON_RATE_LIMIT = "1000/min"


def post(path: str, body: dict[str, Any], **extra: Any) -> Any:
    return ApiClient().post(f"/api/v1/{path}", body, "application/json", **extra)


def ask(email: str = "new@example.com", organisation: str = "Newco") -> Any:
    return post("signup", {"email": email, "password": PASSWORD, "organisation": organisation})


def code_sent_to(email: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [email]]
    found = re.search(r"\b([0-9]{6})\b", str(message.body))
    assert found, message.body
    return found.group(1)


def test_three_calls_create_an_account_its_organisation_and_first_key() -> None:
    assert ask().status_code == 202
    verified = post(
        "signup/verify", {"email": "new@example.com", "code": code_sent_to("new@example.com")}
    )
    assert verified.status_code == 200 and verified["Cache-Control"] == "no-store"
    token = verified.json()["token"]
    created = post("signup/key", {"token": token, "name": "agent"})
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    raw = created.json()["key"]
    who = ApiClient(raw).get("/api/v1/whoami").json()
    assert (who["email"], who["tenant"]["name"], who["role"]) == (
        "new@example.com",
        "Newco",
        Role.OWNER,
    )
    user = User.objects.get(email="new@example.com")
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
    assert Membership.objects.get(user=user).role == Role.OWNER


def test_a_wrong_code_is_refused_and_the_fifth_ends_the_request() -> None:
    ask()
    code = code_sent_to("new@example.com")
    wrong = "000000" if code != "000000" else "111111"
    answers = [post("signup/verify", {"email": "new@example.com", "code": wrong}) for _ in range(5)]
    assert {a.status_code for a in answers} == {400}
    assert answers[0].json()["error"]["code"] == "invalid_code"
    late = post("signup/verify", {"email": "new@example.com", "code": code})
    assert late.status_code == 400  # five tries used: even the right code no longer works
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_expired_code_is_refused() -> None:
    ask()
    code = code_sent_to("new@example.com")
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
        answer = post("signup/verify", {"email": "new@example.com", "code": code})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_code"


def test_the_sign_up_token_works_once_and_expires() -> None:
    ask()
    token = post(
        "signup/verify", {"email": "new@example.com", "code": code_sent_to("new@example.com")}
    ).json()["token"]
    assert post("signup/key", {"token": token, "name": "first"}).status_code == 201
    again = post("signup/key", {"token": token, "name": "second"})
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_token"


def test_an_expired_sign_up_token_is_refused() -> None:
    ask()
    token = post(
        "signup/verify", {"email": "new@example.com", "code": code_sent_to("new@example.com")}
    ).json()["token"]
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert post("signup/key", {"token": token, "name": "first"}).status_code == 400


def test_a_code_verifies_once() -> None:
    ask()
    code = code_sent_to("new@example.com")
    assert post("signup/verify", {"email": "new@example.com", "code": code}).status_code == 200
    assert post("signup/verify", {"email": "new@example.com", "code": code}).status_code == 400


def test_an_existing_address_gets_byte_identical_answers_and_an_e_mail(owner: User) -> None:
    new = ask("new@example.com")
    taken = ask(owner.email)
    assert (taken.status_code, taken.content) == (new.status_code, new.content)
    (notice,) = [m for m in mail.outbox if m.to == [owner.email]]
    assert "already has an account" in notice.body
    assert not re.search(r"\b[0-9]{6}\b", str(notice.body))
    wrong_new = post("signup/verify", {"email": "new@example.com", "code": "123456"})
    any_taken = post("signup/verify", {"email": owner.email, "code": "123456"})
    if code_sent_to("new@example.com") != "123456":
        assert (any_taken.status_code, any_taken.content) == (
            wrong_new.status_code,
            wrong_new.content,
        )
    assert Tenant.objects.filter(name="Newco").count() == 0


def test_sign_up_is_rate_limited_per_address(settings: Any) -> None:
    settings.SIGNUP_ADDRESS_RATE_LIMIT = "2/hour"
    statuses = [ask("new@example.com").status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    assert ask("other@example.com").status_code == 202


def test_sign_up_is_rate_limited_per_ip(settings: Any) -> None:
    settings.SIGNUP_IP_RATE_LIMIT = "3/hour"
    statuses = [ask(f"n{i}@example.com").status_code for i in range(4)]
    assert statuses == [202, 202, 202, 429]
    refused = post("signup/verify", {"email": "n0@example.com", "code": "123456"})
    assert refused.status_code == 429 and "Retry-After" in refused


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {"email": "x@example.com", "password": "short", "organisation": "X"}, id="weak-password"
        ),
        pytest.param(
            {"email": "not-an-address", "password": PASSWORD, "organisation": "X"}, id="bad-email"
        ),
        pytest.param(
            {"email": "x@example.com", "password": PASSWORD, "organisation": "A\nB"},
            id="control-char",
        ),
        pytest.param({"email": "x@example.com", "password": PASSWORD}, id="no-organisation"),
    ],
)
def test_bad_sign_up_input_is_a_400_and_sends_nothing(body: dict[str, Any]) -> None:
    answer = post("signup", body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "validation_error"
    assert mail.outbox == []


def test_a_malformed_code_is_a_field_error() -> None:
    answer = post("signup/verify", {"email": "x@example.com", "code": "12ab56"})
    assert answer.status_code == 400 and answer.json()["error"]["fields"]["code"]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "Ensure this field has at least 8 characters."),
        ("1234567890123", "This password is entirely numeric."),
        ("password123", "This password is too common."),
    ],
)
def test_a_weak_password_is_a_400_that_names_the_rule_and_sends_nothing(
    password: str, message: str
) -> None:
    answer = post(
        "signup", {"email": "weak@example.com", "password": password, "organisation": "W"}
    )
    assert answer.status_code == 400
    assert message in answer.json()["error"]["fields"]["password"]
    assert mail.outbox == [] and not User.objects.filter(email="weak@example.com").exists()


def test_the_schema_states_the_password_rules_a_schema_can_state() -> None:
    schema = ApiClient().get("/api/schema/?format=json").json()
    password = schema["components"]["schemas"]["SignupRequest"]["properties"]["password"]
    assert (password["minLength"], password["maxLength"], password["pattern"]) == (8, 128, r"\D")
