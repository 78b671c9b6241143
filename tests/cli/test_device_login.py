"""`keyward login` end to end: the CLI prints a code, a person approves it in the console,
the CLI stores a fresh `cli` key; denial and logout."""

from __future__ import annotations

import re
import stat
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client

from accounts import sudo
from accounts.models import Tenant, User
from apikeys import device
from apikeys.models import ApiKey, DeviceAuthorization
from conftest import PASSWORD
from tests.api.conftest import mint
from tests.cli.conftest import KEYWARD, Run, environment
from tests.cli.test_commands import stored_login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quick_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device, "INTERVAL", 1)


def start_login(home: Path, url: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [KEYWARD, "login", "--url", url, "--no-browser"],
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.search(r"Your code: ([A-Z]{4}-[A-Z]{4})", first)
    assert found, first + (process.stderr.read() if process.stderr else "")
    link = process.stdout.readline()
    assert f"{url}/console/device?code={found.group(1)}" in link
    return process, found.group(1)


def decide(user: User, tenant: Tenant, code: str, decision: str) -> None:
    """Sign in long ago (sudo mode lapsed), follow the link, re-authenticate, decide."""
    console = Client()
    assert console.login(username=user.email, password=PASSWORD)
    session = console.session
    session[sudo.SESSION_KEY] = 0
    session.save()
    page = console.get(f"/console/device?code={code}")
    assert page.status_code == 200 and code.encode() in page.content
    form = {"code": code, "tenant": tenant.pk, "decision": decision}
    asked = console.post("/console/device", form)
    assert asked.status_code == 302 and "/reauthenticate" in asked["Location"]
    confirmed = console.post("/console/account/reauthenticate", {"password": PASSWORD})
    assert confirmed.status_code == 302, confirmed.content
    response = console.post("/console/device", form)
    assert response.status_code == 302 and response["Location"] == "/console/"


def finish(process: subprocess.Popen[str]) -> Run:
    out, err = process.communicate(timeout=60)
    return Run(process.returncode, out, err)


def test_login_approved_in_the_console_stores_a_cli_key_and_whoami_prints_it(
    live_server: Any, home: Path, keyward: Callable[..., Run], tenant: Tenant, owner: User
) -> None:
    process, code = start_login(home, live_server.url)
    decide(owner, tenant, code, "approve")
    done = finish(process)
    assert done.code == 0, done.err
    assert f"Signed in as {owner.email} in {tenant.name}" in done.out
    credentials = home / ".keyward" / "credentials"
    assert stat.S_IMODE((home / ".keyward").stat().st_mode) == 0o700
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    who = keyward("whoami")
    assert who.code == 0
    assert who.out.startswith(f"{owner.email} in {tenant.name}")
    key = ApiKey.objects.get(name="cli")
    assert key.user == owner and key.tenant == tenant

    logout = keyward("logout")
    assert logout.code == 0 and "revoked" in logout.out
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert not credentials.exists()
    after = keyward("whoami")
    assert after.code == 1 and "keyward login" in after.err


def test_a_denied_login_says_access_denied(
    live_server: Any, home: Path, tenant: Tenant, owner: User
) -> None:
    process, code = start_login(home, live_server.url)
    decide(owner, tenant, code, "deny")
    done = finish(process)
    assert done.code == 1
    assert done.err.strip() == "keyward: Login denied in the console (access_denied)."
    assert not (home / ".keyward" / "credentials").exists()
    assert not ApiKey.objects.exists()


def test_a_code_left_unapproved_expires_and_the_cli_says_so(
    live_server: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(device, "LIFETIME", timedelta(seconds=3))
    process, _code = start_login(home, live_server.url)
    done = finish(process)
    assert done.code == 1
    assert "expired" in done.err and "keyward login" in done.err
    assert done.err.count("\n") == 1 and not (home / ".keyward" / "credentials").exists()


def test_another_organisations_user_cannot_approve_the_code(
    live_server: Any,
    home: Path,
    tenant: Tenant,
    owner: User,
    other_tenant: Tenant,
    outsider: User,
) -> None:
    process, code = start_login(home, live_server.url)
    stranger = Client()
    assert stranger.login(username=outsider.email, password=PASSWORD)
    refused = stranger.post(
        "/console/device", {"code": code, "tenant": tenant.pk, "decision": "approve"}
    )
    assert refused.status_code == 400
    decide(owner, tenant, code, "deny")  # the CLI was still waiting: the owner's answer ends it
    done = finish(process)
    assert done.code == 1 and "access_denied" in done.err
    assert not ApiKey.objects.exists()


def test_a_second_login_revokes_the_key_the_first_one_minted(
    live_server: Any, home: Path, tenant: Tenant, owner: User
) -> None:
    first, first_raw = mint(tenant, owner, name="cli")
    stored_login(home, live_server.url, first, first_raw)
    process, code = start_login(home, live_server.url)
    decide(owner, tenant, code, "approve")
    assert finish(process).code == 0
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert ApiKey.objects.get(name="cli-2").revoked_at is None


def test_over_http_polling_too_fast_is_slow_down_and_a_used_device_code_is_invalid_grant(
    live_server: Any, tenant: Tenant, owner: User
) -> None:
    http = httpx.Client(base_url=live_server.url)
    started = http.post("/oauth/device/code", data={"client_id": "keyward-cli"}).json()
    form = {
        "grant_type": device.GRANT_TYPE,
        "device_code": started["device_code"],
        "client_id": "keyward-cli",
    }
    assert http.post("/oauth/token", data=form).json()["error"] == "authorization_pending"
    fast = http.post("/oauth/token", data=form)
    assert (fast.status_code, fast.json()["error"]) == (400, "slow_down")
    decide(owner, tenant, started["user_code"], "approve")
    DeviceAuthorization.objects.update(last_polled_at=None)  # the wider interval has passed
    issued = http.post("/oauth/token", data=form)
    assert issued.status_code == 200 and issued.json()["access_token"].startswith("kw_user_")
    again = http.post("/oauth/token", data=form)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
