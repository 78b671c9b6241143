"""`manage.py create_api_key`: the raw key alone on stdout, clear errors otherwise."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditAction, AuditEvent
from apikeys.models import ApiKey
from tests.api.conftest import MINTED, ApiClient


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_only_a_working_user_key_on_stdout(tenant, member):
    out, err = run(
        "--tenant",
        tenant.slug,
        "--user",
        "Member@Acme.test",
        "--name",
        "cli",
        "--scopes",
        "keys:read",
        "usage:read",
        "--expires",
        "2099-01-31",
    )
    raw = out.strip()
    MINTED.append(raw)
    assert out == raw + "\n" and raw.startswith("kw_user_")
    assert raw not in err and "cli" in err
    key = ApiKey.objects.get(name="cli")
    assert (key.user, key.scopes) == (member, ["keys:read", "usage:read"])
    assert key.expires_at is not None
    assert key.expires_at.date().isoformat() == "2099-01-31"
    assert ApiClient(raw).get("/api/v1/whoami").json()["email"] == "member@acme.test"
    event = AuditEvent.objects.get(action=AuditAction.KEY_CREATED)
    assert event.actor_label.startswith("system") and event.actor_user is None


def test_team_key(tenant):
    out, _ = run("--tenant", tenant.slug, "--team", "--name", "ci")
    MINTED.append(out.strip())
    assert out.startswith("kw_team_")
    assert ApiClient(out.strip()).get("/api/v1/whoami").json()["team"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "nope", "--team", "--name", "x"], "No tenant"),
        (["--tenant", "acme", "--user", "ghost@acme.test", "--name", "x"], "No user"),
        (["--tenant", "acme", "--user", "owner@globex.test", "--name", "x"], "not a member"),
        (["--tenant", "acme", "--team", "--name", "x", "--scopes", "root"], "Unknown scope"),
        (["--tenant", "acme", "--team", "--name", "x", "--expires", "2001-01-01"], "future"),
        (["--tenant", "acme", "--team", "--name", "x", "--expires", "soon"], "date like"),
        (["--tenant", "acme", "--team", "--name", "taken"], "already exists"),
    ],
)
def test_errors_are_clear(tenant, owner, outsider, args, message):
    from apikeys.models import create_key

    create_key(tenant=tenant, kind="team", name="taken")
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiKey.objects.filter(name="x").exists()


def test_user_or_team_is_required(tenant):
    with pytest.raises(CommandError):
        run("--tenant", tenant.slug, "--name", "x")
