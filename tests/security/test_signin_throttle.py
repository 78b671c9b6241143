"""Failed sign-ins are throttled per account and per IP, on the console and the admin;
then even the right password is refused with the time to wait, for a whole lock period."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import SecurityEvent, User
from conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-in attempts"


def sign_in(client: Client, email: str, password: str, ip: str = "10.0.0.1", next: str = ""):
    url = f"/signin?next={next}" if next else "/signin"
    return client.post(url, {"login": email, "password": password}, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    return client.get("/console/account").status_code == 200


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, owner, settings):
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
        assert LOCKED not in sign_in(client, owner.email, "wrong").content.decode()
    response = sign_in(client, owner.email, PASSWORD)
    page = response.content.decode()
    assert response.status_code == 200 and LOCKED in page and "try again in" in page
    assert not signed_in(client)


def test_the_account_lock_holds_from_another_ip_too(client, owner, settings):
    for n in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
        sign_in(client, owner.email, "wrong", ip=f"10.0.1.{n}")
    assert LOCKED in sign_in(Client(), owner.email, PASSWORD, ip="10.9.9.9").content.decode()


def test_one_ip_guessing_many_accounts_is_locked_out(client, owner, settings):
    settings.SIGNIN_FAILURES_PER_IP = 4
    for n in range(4):
        sign_in(client, f"guess{n}@acme.test", "wrong", ip="10.0.0.7")
    response = sign_in(client, owner.email, PASSWORD, ip="10.0.0.7")
    assert LOCKED in response.content.decode() and not signed_in(client)
    assert signed_in_from_elsewhere(owner)


def signed_in_from_elsewhere(owner: User) -> bool:
    other = Client()
    sign_in(other, owner.email, PASSWORD, ip="10.0.0.8")
    return signed_in(other)


def test_the_lock_expires(client, owner, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
            sign_in(client, owner.email, "wrong")
        assert LOCKED in sign_in(client, owner.email, PASSWORD).content.decode()
        clock.shift(timedelta(seconds=settings.SIGNIN_LOCKOUT_SECONDS + 1))
        response = sign_in(client, owner.email, PASSWORD)
        assert response.status_code == 302 and signed_in(client)


def window_edge(period: int) -> float:
    """A few seconds before the sign-in counter's next window starts."""
    return (time.time() // period + 1) * period - 3


def test_guesses_on_both_sides_of_a_windows_edge_still_lock(client, owner, settings):
    limit, period = settings.SIGNIN_FAILURES_PER_ACCOUNT, settings.SIGNIN_LOCKOUT_SECONDS
    with time_machine.travel(window_edge(period), tick=False) as clock:
        for _ in range(limit - 2):
            sign_in(client, owner.email, "wrong")
        clock.shift(timedelta(seconds=6))  # the next window
        for _ in range(2):
            sign_in(client, owner.email, "wrong")
        assert LOCKED in sign_in(client, owner.email, PASSWORD).content.decode()


def test_a_lock_lasts_a_whole_period_even_when_it_starts_at_a_windows_end(client, owner, settings):
    period = settings.SIGNIN_LOCKOUT_SECONDS
    with time_machine.travel(window_edge(period), tick=False) as clock:
        for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
            sign_in(client, owner.email, "wrong")
        page = sign_in(client, owner.email, PASSWORD).content.decode()
        assert f"try again in {period // 60} minutes" in page
        clock.shift(timedelta(seconds=period - 10))  # the next window: the lock holds on
        page = sign_in(client, owner.email, PASSWORD).content.decode()
        assert LOCKED in page and "try again in 1 minute" in page
        clock.shift(timedelta(seconds=11))
        assert sign_in(client, owner.email, PASSWORD).status_code == 302


def test_a_successful_sign_in_does_not_reset_the_count(client, owner, settings):
    """Otherwise one known password, interleaved, would allow endless guesses."""
    limit = settings.SIGNIN_FAILURES_PER_ACCOUNT
    for _ in range(limit - 1):
        sign_in(client, owner.email, "wrong")
    assert sign_in(Client(), owner.email, PASSWORD).status_code == 302
    sign_in(client, owner.email, "wrong")
    assert LOCKED in sign_in(Client(), owner.email, PASSWORD).content.decode()


def test_the_lock_out_is_written_to_the_users_security_log_once(client, owner, settings):
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT + 3):
        sign_in(client, owner.email, "wrong")
    assert list(SecurityEvent.objects.filter(user=owner).values_list("action", flat=True)) == [
        "signin.locked"
    ]


def test_unknown_addresses_lock_the_same_way(client, settings):
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
        sign_in(client, "nobody@acme.test", "wrong")
    assert LOCKED in sign_in(client, "nobody@acme.test", "wrong").content.decode()


def test_the_admin_login_goes_through_the_same_throttle(client, settings):
    staff = make_user("staff@acme.test", is_staff=True, is_superuser=True)
    # The admin's own form is gone: a POST to it authenticates nobody.
    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/signin?next=")
    assert client.get("/admin/").status_code == 302
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
        sign_in(client, staff.email, "wrong", next="/admin/")
    response = sign_in(client, staff.email, PASSWORD, next="/admin/")
    assert LOCKED in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_admin_opens_after_the_console_sign_in(client):
    staff = make_user("staff@acme.test", is_staff=True, is_superuser=True)
    response = sign_in(client, staff.email, PASSWORD, next="/admin/")
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def change_password(client: Client, old: str, ip: str = "10.0.0.1"):
    new = "an even longer passphrase 43"
    form = {"oldpassword": old, "password1": new, "password2": new}
    return client.post("/console/account/password", form, REMOTE_ADDR=ip)


def test_guessing_the_current_password_on_the_change_form_locks_like_sign_in(
    client, owner, settings
):
    """A stolen session must not guess the password that sudo mode asks for."""
    # allauth's own limit on this form (5 a minute) would answer first; ours is the lock.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "change_password": False}
    sign_in(client, owner.email, PASSWORD)
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
        assert LOCKED not in change_password(client, "wrong").content.decode()
    refused = change_password(client, PASSWORD)
    assert refused.status_code == 200 and LOCKED in refused.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert LOCKED in sign_in(Client(), owner.email, PASSWORD, ip="10.9.9.9").content.decode()


def test_a_sign_in_lock_holds_on_the_change_form_too(client, owner, settings):
    sign_in(client, owner.email, PASSWORD)
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
        sign_in(Client(), owner.email, "wrong", ip="10.0.3.3")
    assert LOCKED in change_password(client, PASSWORD).content.decode()


def test_the_admins_password_change_is_the_consoles(client):
    staff = make_user("staff@keyward.test", is_staff=True, is_superuser=True)
    sign_in(client, staff.email, PASSWORD)
    moved = client.get("/admin/password_change/")
    assert moved.status_code == 302 and moved["Location"] == "/console/account/password"
    posted = client.post("/admin/password_change/", {"old_password": "wrong"})
    assert posted.status_code == 302 and posted["Location"] == "/console/account/password"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/accounts/login/?next=/console/usage", "/signin?next=/console/usage"),
        ("/accounts/signup/", "/signup"),
        ("/accounts/password/reset/", "/password-reset"),
        ("/accounts/email/", "/console/account/email"),
        ("/accounts/2fa/", "/console/account/2fa/"),
        ("/accounts/sessions/", "/console/account"),
    ],
)
def test_allauths_own_addresses_lead_to_the_consoles(client, old, new):
    answer = client.get(old)
    assert answer.status_code == 302 and answer["Location"] == new
