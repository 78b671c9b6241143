"""Every `keyward` command against the live server, human and --json; credentials, env
precedence, exit codes and one-line errors."""

from __future__ import annotations

import http.server
import json
import re
import socket
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Tenant, User
from apikeys.models import ApiKey
from tests.api.conftest import mint
from tests.cli.conftest import Run
from usage import executions
from usage.models import Flow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner_raw(tenant: Tenant, owner: User) -> str:
    return mint(tenant, owner, name="laptop")[1]


@pytest.fixture
def flow(tenant: Tenant) -> Flow:
    return Flow.objects.create(tenant=tenant, name="Nightly", slug="nightly")


def env_for(live_server: Any, raw: str) -> dict[str, str]:
    return {"KEYWARD_API_KEY": raw, "KEYWARD_URL": live_server.url}


def one_line(run: Run) -> str:
    assert run.out == ""
    assert run.err.count("\n") == 1 and "Traceback" not in run.err, run.err
    return run.err.strip()


def test_every_command_answers_json(
    live_server: Any, keyward: Callable[..., Run], owner_raw: str, flow: Flow, owner: User
) -> None:
    env = env_for(live_server, owner_raw)

    def ok(*args: str) -> Any:
        run = keyward(*args, "--json", env=env)
        assert run.code == 0, (args, run.err)
        return run.json()

    assert ok("whoami")["email"] == owner.email
    created = ok("keys", "create", "deploy", "--scope", "flows:invoke")
    assert created["key"].startswith("kw_user_") and created["scopes"] == ["flows:invoke"]
    assert {k["name"] for k in ok("keys", "list")} == {"laptop", "deploy"}
    rolled = ok("keys", "regenerate", created["id"])
    assert rolled["key"] != created["key"]
    assert ok("keys", "revoke", created["id"]) == {"id": created["id"], "revoked": True}
    assert ok("flows", "list")[0]["id"] == flow.public_id
    run = ok("flows", "invoke", flow.public_id)
    assert run["status"] == "running"
    assert [r["id"] for r in ok("runs", "list")] == [run["id"]]
    assert ok("runs", "show", run["id"])["flow"] == flow.public_id
    usage = ok("usage", "--days", "7")
    assert len(usage["days"]) == 7 and usage["cards"]["executions"] == 1
    assert ok("quota")["used"] == 1


def test_human_output_of_every_command(
    live_server: Any, keyward: Callable[..., Run], owner_raw: str, flow: Flow, owner: User
) -> None:
    env = env_for(live_server, owner_raw)
    execution = executions.start(flow)
    executions.change_status(execution, "succeeded")
    outputs = {
        args: keyward(*args.split(), env=env)
        for args in (
            "whoami",
            "keys list",
            "flows list",
            f"runs list --flow {flow.public_id}",
            f"runs show {execution.public_id}",
            "usage --days 3",
            "quota",
        )
    }
    for args, run in outputs.items():
        assert run.code == 0, (args, run.err)
    assert "laptop" in outputs["keys list"].out
    assert "Nightly" in outputs["flows list"].out
    assert "succeeded" in outputs[f"runs list --flow {flow.public_id}"].out
    assert "Success rate" in outputs["usage --days 3"].out
    assert "1 (1 ok, 0 failed, 0 in flight)" in outputs["usage --days 3"].out
    assert "invocations" in outputs["quota"].out or "used" in outputs["quota"].out


def test_login_with_keyward_api_key_checks_and_stores_it_without_a_browser(
    live_server: Any, keyward: Callable[..., Run], home: Path, owner_raw: str, owner: User
) -> None:
    run = keyward("login", "--json", env=env_for(live_server, owner_raw))
    assert run.code == 0, run.err
    assert run.json()["email"] == owner.email
    stored = home / ".keyward" / "credentials"
    assert json.loads(stored.read_text()) == {"url": live_server.url, "api_key": owner_raw}
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert keyward("whoami").code == 0  # from the file alone now


def test_a_bad_keyward_api_key_is_not_stored(
    live_server: Any, keyward: Callable[..., Run], home: Path, tenant: Tenant, owner: User
) -> None:
    key, raw = mint(tenant, owner, name="gone")
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=key.created_at)
    run = keyward("login", env=env_for(live_server, raw))
    assert run.code == 1
    assert "keyward login" in one_line(run)
    assert not (home / ".keyward" / "credentials").exists()


def test_environment_wins_over_the_credentials_file(
    live_server: Any,
    keyward: Callable[..., Run],
    owner_raw: str,
    other_tenant: Tenant,
    outsider: User,
) -> None:
    assert keyward("login", env=env_for(live_server, owner_raw)).code == 0
    _, outsider_raw = mint(other_tenant, outsider, name="theirs")
    who = keyward("whoami", "--json", env={"KEYWARD_API_KEY": outsider_raw})
    assert who.json()["email"] == outsider.email
    nowhere = keyward("whoami", env={"KEYWARD_URL": "http://127.0.0.1:9"})
    assert nowhere.code == 1 and "http://127.0.0.1:9" in one_line(nowhere)


def test_a_revoked_key_is_one_line_suggesting_login(
    live_server: Any, keyward: Callable[..., Run], tenant: Tenant, owner: User
) -> None:
    key, raw = mint(tenant, owner, name="old")
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=key.created_at)
    run = keyward("keys", "list", env=env_for(live_server, raw))
    assert run.code == 1
    line = one_line(run)
    assert line.startswith("keyward: Not signed in:") and "Run `keyward login`." in line


def test_a_stopped_server_is_one_line(keyward: Callable[..., Run], owner_raw: str) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = keyward(
        "whoami", env={"KEYWARD_API_KEY": owner_raw, "KEYWARD_URL": f"http://127.0.0.1:{port}"}
    )
    assert run.code == 1
    assert "Cannot reach" in one_line(run) and "Is the server running?" in run.err


def test_a_rate_limit_is_one_line_saying_when_to_retry(
    live_server: Any, keyward: Callable[..., Run], owner_raw: str, settings: Any
) -> None:
    settings.API_RATE_LIMIT = "1/hour"  # one window for both calls, however slow the machine
    env = env_for(live_server, owner_raw)
    assert keyward("whoami", env=env).code == 0
    run = keyward("whoami", env=env)
    assert run.code == 1
    line = one_line(run)
    when = r"\d+ (seconds?|minutes|hours|days)"
    assert re.fullmatch(rf"keyward: Rate limited: too many requests\. Retry in {when}\.", line)


def test_quota_exceeded_is_one_line_saying_when_to_retry(
    live_server: Any, keyward: Callable[..., Run], owner_raw: str, flow: Flow, tenant: Tenant
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=0)
    run = keyward("flows", "invoke", flow.public_id, env=env_for(live_server, owner_raw))
    assert run.code == 1
    line = one_line(run)
    assert line.startswith("keyward: Monthly allowance used:") and line.count("Retry in ") == 1


def test_forbidden_is_one_line(
    live_server: Any, keyward: Callable[..., Run], tenant: Tenant, owner: User
) -> None:
    _, raw = mint(tenant, owner, name="narrow", scopes=["flows:read"])
    run = keyward("keys", "list", env=env_for(live_server, raw))
    assert run.code == 1 and one_line(run).startswith("keyward: Forbidden:")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["keys", "create"], id="missing-argument"),
        pytest.param(["usage", "--days", "0"], id="out-of-range"),
        pytest.param(["keys", "create", "x", "--scope", "root"], id="unknown-scope"),
        pytest.param(["nonsense"], id="unknown-command"),
    ],
)
def test_bad_usage_exits_2(keyward: Callable[..., Run], args: list[str]) -> None:
    assert keyward(*args).code == 2


def test_every_command_has_help_with_examples(keyward: Callable[..., Run]) -> None:
    for args in (
        [],
        ["keys"],
        ["flows"],
        ["runs"],
        ["login"],
        ["logout"],
        ["whoami"],
        ["keys", "list"],
        ["keys", "create"],
        ["keys", "revoke"],
        ["keys", "regenerate"],
        ["flows", "list"],
        ["flows", "invoke"],
        ["runs", "list"],
        ["runs", "show"],
        ["usage"],
        ["quota"],
    ):
        run = keyward(*args, "--help")
        assert run.code == 0 and "Example" in run.out, args


def test_not_signed_in_is_one_line(keyward: Callable[..., Run]) -> None:
    run = keyward("whoami")
    assert run.code == 1 and "keyward login" in one_line(run)


def test_names_are_shown_as_typed_never_read_as_styles(
    live_server: Any, keyward: Callable[..., Run], tenant: Tenant, owner: User
) -> None:
    """Any member may name a key; a name that looks like terminal markup is only text."""
    _, raw = mint(tenant, owner, name="[/red] oops")
    mint(tenant, owner, name="[bold]Evil")
    env = env_for(live_server, raw)
    listed = keyward("keys", "list", env=env)
    assert listed.code == 0, listed.err
    assert "[/red] oops" in listed.out and "[bold]Evil" in listed.out
    who = keyward("whoami", env=env)
    assert who.code == 0 and "[/red] oops" in who.out


def test_ids_are_printed_whole_on_a_narrow_terminal(
    live_server: Any, keyward: Callable[..., Run], tenant: Tenant, owner: User, flow: Flow
) -> None:
    key, raw = mint(tenant, owner, name="a rather long and descriptive name for a key")
    for columns in ("60", "40"):
        env = {**env_for(live_server, raw), "COLUMNS": columns}
        listed = keyward("keys", "list", env=env).out
        # ... and no column is dropped to make room: the name and scopes are there too.
        assert key.public_id in listed and "descriptive" in listed and "full" in listed
        flows = keyward("flows", "list", env=env).out
        assert flow.public_id in flows and "Nightly" in flows


def test_quota_names_the_organisations_local_first_of_the_month(
    live_server: Any, keyward: Callable[..., Run], owner_raw: str, tenant: Tenant
) -> None:
    # 14 hours ahead of UTC: the local first of the month is the last day of the month before
    # in UTC.
    Tenant.objects.filter(pk=tenant.pk).update(time_zone="Pacific/Kiritimati")
    run = keyward("quota", env=env_for(live_server, owner_raw))
    assert run.code == 0, run.err
    assert re.search(r" since \d{4}-\d{2}-01;", run.out), run.out


def stored_login(home: Path, url: str, key: ApiKey, raw: str) -> Path:
    """What `keyward login` leaves behind after a device login."""
    folder = home / ".keyward"
    folder.mkdir(mode=0o700)
    path = folder / "credentials"
    path.write_text(json.dumps({"url": url, "api_key": raw, "key_id": key.public_id}))
    path.chmod(0o600)
    return path


def test_logout_revokes_the_stored_key_even_with_keyward_api_key_set(
    live_server: Any,
    keyward: Callable[..., Run],
    home: Path,
    tenant: Tenant,
    owner: User,
    owner_raw: str,
) -> None:
    cli_key, cli_raw = mint(tenant, owner, name="cli")
    path = stored_login(home, live_server.url, cli_key, cli_raw)
    run = keyward("logout", env=env_for(live_server, owner_raw))
    assert run.code == 0, run.err
    cli_key.refresh_from_db()
    assert cli_key.revoked_at is not None and not path.exists()
    assert ApiKey.objects.get(name="laptop").revoked_at is None  # the environment's key stays


def test_login_with_the_stored_key_itself_in_keyward_api_key_keeps_it(
    live_server: Any, keyward: Callable[..., Run], home: Path, tenant: Tenant, owner: User
) -> None:
    """Exporting the key a device login minted, then `keyward login`, must not revoke it."""
    cli_key, cli_raw = mint(tenant, owner, name="cli")
    stored_login(home, live_server.url, cli_key, cli_raw)
    run = keyward("login", env=env_for(live_server, cli_raw))
    assert run.code == 0, run.err
    cli_key.refresh_from_db()
    assert cli_key.revoked_at is None
    assert keyward("whoami").code == 0


def test_logout_with_a_key_that_no_longer_works_still_signs_out(
    live_server: Any, keyward: Callable[..., Run], home: Path, tenant: Tenant, owner: User
) -> None:
    cli_key, cli_raw = mint(tenant, owner, name="cli")
    ApiKey.objects.filter(pk=cli_key.pk).update(revoked_at=cli_key.created_at)
    path = stored_login(home, live_server.url, cli_key, cli_raw)
    run = keyward("logout")
    assert run.code == 0, run.err
    assert "Signed out." in run.out and not path.exists()


def test_logout_with_the_server_down_keeps_the_credentials_of_a_live_key(
    keyward: Callable[..., Run], home: Path, tenant: Tenant, owner: User
) -> None:
    cli_key, cli_raw = mint(tenant, owner, name="cli")
    path = stored_login(home, "http://127.0.0.1:9", cli_key, cli_raw)
    run = keyward("logout")
    assert run.code == 1 and "Cannot reach" in one_line(run)
    assert path.exists()


@pytest.fixture
def not_keyward() -> Any:
    """A web server that answers every request with 200 and an HTML page."""

    class Page(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            body = b"<html><body>Welcome</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("args", [["login", "--no-browser"], ["whoami"], ["keys", "list"]])
def test_a_server_that_is_not_keyward_is_one_line(
    keyward: Callable[..., Run], not_keyward: str, owner_raw: str, args: list[str]
) -> None:
    env = {"KEYWARD_URL": not_keyward}
    if args[0] != "login":
        env["KEYWARD_API_KEY"] = owner_raw
    run = keyward(*args, env=env)
    assert run.code == 1
    assert "Keyward" in one_line(run)
