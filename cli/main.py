"""The `keyward` command. Exit codes: 0 success, 1 refused by the API or unreachable, 2 bad
usage (Click's own). Every failure is one line on stderr, never a traceback."""

from __future__ import annotations

import contextlib
import functools
import sys
import time
import webbrowser
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.text import Text

from cli import credentials, render
from cli.client import Api, CliError, explain

F = TypeVar("F", bound=Callable[..., Any])

CLIENT_ID = "keyward-cli"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPES = [
    "keys:read",
    "keys:write",
    "flows:read",
    "flows:write",
    "flows:invoke",
    "executions:read",
    "executions:write",
    "usage:read",
    "members:read",
]

json_option = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")


def api(url: str | None = None) -> Api:
    creds = credentials.load(url)
    return Api(creds.url, creds.api_key)


def one_line_errors(command: F) -> F:
    """CliError and Ctrl-C end the command with one line, never a traceback."""

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CliError as error:
            render.err.print(f"keyward: {error.message}")
            sys.exit(error.code)
        except (KeyError, TypeError, AttributeError):
            # A 2xx answer without the fields every Keyward server sends.
            render.err.print("keyward: the server's answer was not understood: is it Keyward?")
            sys.exit(1)
        except KeyboardInterrupt:
            render.err.print("keyward: interrupted.")
            sys.exit(130)

    return wrapped  # type: ignore[return-value]


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""Examples:

\b
  keyward login --url https://keyward.example.com
  KEYWARD_API_KEY=kw_team_… keyward whoami     # in CI: no browser
  keyward keys list --json | jq '.[].name'
  keyward flows invoke flow_123

Credentials live in ~/.keyward/credentials; KEYWARD_API_KEY and KEYWARD_URL win over it.
Shell completion: eval "$(_KEYWARD_COMPLETE=bash_source keyward)".""",
)
@click.version_option("0.1.0", prog_name="keyward")
def main() -> None:
    """Keyward from the command line: sign in, manage API keys, invoke flows, read usage."""


# --- signing in -------------------------------------------------------------------------


def _store_checked_key(url: str, raw: str, key_id: str | None) -> dict[str, Any]:
    who = Api(url, raw).get("whoami")
    credentials.save(url, raw, key_id)
    return dict(who)


def _device_login(url: str, open_browser: bool, quiet: bool) -> tuple[str, str | None]:
    anonymous = Api(url, None)
    started = anonymous.send("POST", "/oauth/device/code", data={"client_id": CLIENT_ID})
    if started.status_code != 200:
        raise explain(started)
    try:
        grant = started.json()
    except ValueError:
        raise CliError(f"{url} did not answer with JSON: is it a Keyward server?") from None
    link = grant.get("verification_uri_complete") or grant["verification_uri"]
    stream = render.err if quiet else render.out
    stream.print(Text.assemble("Your code: ", (str(grant["user_code"]), "bold")))
    stream.print(
        f"Open {link} and approve it (the code expires in {grant['expires_in'] // 60} min)."
    )
    if open_browser:
        with contextlib.suppress(webbrowser.Error):
            webbrowser.open(link)
    interval = max(1, int(grant.get("interval", 5)))
    deadline = time.monotonic() + int(grant.get("expires_in", 600))
    while time.monotonic() < deadline:
        time.sleep(interval)
        answer = anonymous.send(
            "POST",
            "/oauth/token",
            data={
                "grant_type": DEVICE_GRANT,
                "device_code": grant["device_code"],
                "client_id": CLIENT_ID,
            },
        )
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code == 200:
            return str(body["access_token"]), body.get("key_id")
        error = body.get("error", "")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5
            continue
        if error == "access_denied":
            raise CliError("Login denied in the console (access_denied).")
        if error == "expired_token":
            raise CliError(
                "The code expired before it was approved (expired_token). "
                "Run `keyward login` again."
            )
        raise explain(answer)
    raise CliError("The code expired before it was approved. Run `keyward login` again.")


@main.command(
    epilog="""Examples:

\b
  keyward login                                  # opens the browser, you approve
  keyward login --url https://keyward.example.com --no-browser
  KEYWARD_API_KEY=kw_team_… keyward login        # CI: checks the key and stores it"""
)
@click.option("--url", help="The Keyward server (default: KEYWARD_URL, then the stored one).")
@click.option("--no-browser", is_flag=True, help="Only print the link; do not open a browser.")
@json_option
@one_line_errors
def login(url: str | None, no_browser: bool, as_json: bool) -> None:
    """Sign in: a device login approved in the browser, or KEYWARD_API_KEY if set."""
    creds = credentials.load(url)
    previous = credentials.stored()
    if creds.from_env:
        assert creds.api_key is not None
        raw = creds.api_key
        who = _store_checked_key(creds.url, raw, None)
    else:
        raw, key_id = _device_login(creds.url, not no_browser and sys.stdout.isatty(), as_json)
        who = _store_checked_key(creds.url, raw, key_id)
    # The file no longer holds the key the previous login minted: revoke it now, or say so.
    try:
        _revoke_minted(previous, keep=raw)
    except CliError as error:
        render.err.print(
            f"keyward: signed in, but the key the previous login minted ({previous['key_id']}) "
            f"was not revoked: {error.message} Revoke it in the console."
        )
    if as_json:
        render.as_json(who)
        return
    render.out.print(
        f"Signed in as {_owner(who)} in {who['tenant']['name']} "
        f"(key “{who['key']['name']}”). Saved to {credentials.path()}."
    )


def _revoke_minted(saved: dict[str, str], keep: str | None = None) -> bool:
    """Revoke the key a previous `login` minted, unless it is `keep` (the key just stored);
    False if it no longer works anyway."""
    if not (saved.get("key_id") and saved.get("api_key")) or saved["api_key"] == keep:
        return False
    minted = Api(saved.get("url") or credentials.DEFAULT_URL, saved["api_key"])
    answer = minted.send("DELETE", f"/api/v1/keys/{saved['key_id']}")
    if answer.status_code in (401, 404):  # already revoked, expired or gone
        return False
    if answer.status_code >= 400:
        raise explain(answer)
    return True


@main.command(epilog="Example:\n\n\b\n  keyward logout")
@json_option
@one_line_errors
def logout(as_json: bool) -> None:
    """Revoke the key `login` minted and delete the credentials file.

    The stored key is revoked even when KEYWARD_API_KEY is set (that one is left alone). If
    the server cannot be reached, nothing is deleted: the key still works, so run logout
    again once it answers."""
    revoked = _revoke_minted(credentials.stored())
    deleted = credentials.delete()
    if as_json:
        render.as_json({"revoked": revoked, "deleted": deleted})
        return
    if revoked:
        render.out.print("The key “cli” was revoked.")
    render.out.print("Signed out." if deleted else "There were no stored credentials.")


def _owner(who: dict[str, Any]) -> str:
    return str(who["email"]) if who.get("email") else "the team"


@main.command(epilog="Examples:\n\n\b\n  keyward whoami\n  keyward whoami --json")
@json_option
@one_line_errors
def whoami(as_json: bool) -> None:
    """The user (or team) and organisation the key acts as."""
    who = api().get("whoami")
    if as_json:
        render.as_json(who)
        return
    render.out.print(
        f"{_owner(who)} in {who['tenant']['name']} ({who['role']}), "
        f"key “{who['key']['name']}” {who['key']['masked']}"
    )


# --- keys -------------------------------------------------------------------------------


@main.group(
    epilog="""Examples:

\b
  keyward keys list
  keyward keys create "CI deploy" --scope flows:invoke
  keyward keys regenerate key_abc123 --grace 3600
  keyward keys revoke key_abc123"""
)
def keys() -> None:
    """List, create, revoke and regenerate API keys."""


def _key_rows(items: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            k["id"],
            f"{k['name']}\n{k['masked']}",
            k["state"],
            "full access" if set(k["scopes"]) >= set(SCOPES) else " ".join(k["scopes"]),
            (k.get("expires_at") or "never")[:10],
        ]
        for k in items
    ]


@keys.command("list", epilog="Examples:\n\n\b\n  keyward keys list\n  keyward keys list --json")
@json_option
@one_line_errors
def keys_list(as_json: bool) -> None:
    """The keys you may see."""
    page = api().get("keys", limit=100)
    items = page["results"]
    if as_json:
        render.as_json(items)
        return
    # The masked key under each name also says its kind (kw_user_…, kw_team_…).
    columns = ["ID", "Name", "State", "Scopes", "Expires"]
    render.table(columns, _key_rows(items), "No keys.", wrap=["Name", "Scopes"])


def _show_secret(created: dict[str, Any], as_json: bool) -> None:
    if as_json:
        render.as_json(created)
        return
    render.out.print(f"{created['key']}")
    render.err.print(
        f"Key “{created['name']}” ({created['id']}). Copy it now: it is not shown again."
    )


@keys.command(
    "create",
    epilog="""Examples:

\b
  keyward keys create "CI deploy" --scope flows:invoke --scope executions:read
  keyward keys create Laptop --expires 2027-01-31T00:00:00Z --json""",
)
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    help="A scope (repeat it); none: everything you may grant.",
)
@click.option("--team", is_flag=True, help="A team key (admins and owners).")
@click.option("--description", default="", help="What the key is for.")
@click.option("--expires", help="Expiry, ISO 8601 (e.g. 2027-01-31T00:00:00Z).")
@json_option
@one_line_errors
def keys_create(
    name: str,
    scopes: tuple[str, ...],
    team: bool,
    description: str,
    expires: str | None,
    as_json: bool,
) -> None:
    """Create a key and print its secret once."""
    body: dict[str, Any] = {
        "name": name,
        "kind": "team" if team else "user",
        "description": description,
    }
    if scopes:
        body["scopes"] = list(scopes)
    if expires:
        body["expires_at"] = expires
    _show_secret(api().post("keys", body), as_json)


@keys.command("revoke", epilog="Example:\n\n\b\n  keyward keys revoke key_abc123")
@click.argument("key_id")
@json_option
@one_line_errors
def keys_revoke(key_id: str, as_json: bool) -> None:
    """Revoke a key at once."""
    api().call("DELETE", f"keys/{key_id}")
    if as_json:
        render.as_json({"id": key_id, "revoked": True})
        return
    render.out.print(f"Revoked {key_id}.")


@keys.command(
    "regenerate",
    epilog="""Examples:

\b
  keyward keys regenerate key_abc123
  keyward keys regenerate key_abc123 --grace 3600   # the old secret works one more hour""",
)
@click.argument("key_id")
@click.option(
    "--grace",
    type=click.IntRange(3600, 7 * 86400),
    help="Seconds the old secret keeps working (1 hour to 7 days).",
)
@json_option
@one_line_errors
def keys_regenerate(key_id: str, grace: int | None, as_json: bool) -> None:
    """New secret, same name, kind, scopes and expiry; printed once."""
    body = {"grace_seconds": grace} if grace else {}
    _show_secret(api().post(f"keys/{key_id}/regenerate", body), as_json)


# --- flows and runs ---------------------------------------------------------------------


@main.group(
    epilog="""Examples:

\b
  keyward flows list
  keyward flows invoke flow_abc123 --json"""
)
def flows() -> None:
    """List and invoke flows."""


@flows.command("list", epilog="Example:\n\n\b\n  keyward flows list --json")
@json_option
@one_line_errors
def flows_list(as_json: bool) -> None:
    """The organisation's flows."""
    items = api().get("flows", limit=100)["results"]
    if as_json:
        render.as_json(items)
        return
    rows = [[f["id"], f["name"], f["slug"], render.when(f["created_at"])] for f in items]
    render.table(["ID", "Name", "Slug", "Created (UTC)"], rows, "No flows.", wrap=["Name"])


@flows.command("invoke", epilog="Example:\n\n\b\n  keyward flows invoke flow_abc123")
@click.argument("flow_id")
@json_option
@one_line_errors
def flows_invoke(flow_id: str, as_json: bool) -> None:
    """Start a run of a flow now."""
    run = api().post(f"flows/{flow_id}/invoke")
    if as_json:
        render.as_json(run)
        return
    render.out.print(f"Started run {run['id']} of {run['flow']} ({run['status']}).")


@main.group(
    epilog="""Examples:

\b
  keyward runs list --status failed
  keyward runs show exe_abc123"""
)
def runs() -> None:
    """List and show executions."""


@runs.command(
    "list",
    epilog="""Examples:

\b
  keyward runs list --status failed
  keyward runs list --flow flow_abc123 --limit 10 --json""",
)
@click.option(
    "--status",
    type=click.Choice(["running", "paused", "compensating", "succeeded", "failed", "cancelled"]),
)
@click.option("--flow", "flow_id", help="Only runs of this flow id.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@json_option
@one_line_errors
def runs_list(status: str | None, flow_id: str | None, limit: int, as_json: bool) -> None:
    """Recent executions, newest first."""
    items = api().get("executions", status=status, flow=flow_id, limit=limit)["results"]
    if as_json:
        render.as_json(items)
        return
    rows = [
        [
            r["id"],
            r["flow"],
            r["status"],
            render.when(r["started_at"]),
            render.when(r.get("ended_at")),
        ]
        for r in items
    ]
    columns = ["ID", "Flow", "Status", "Started (UTC)", "Ended (UTC)"]
    render.table(columns, rows, "No runs.")


@runs.command("show", epilog="Example:\n\n\b\n  keyward runs show exe_abc123")
@click.argument("run_id")
@json_option
@one_line_errors
def runs_show(run_id: str, as_json: bool) -> None:
    """One execution."""
    run = api().get(f"executions/{run_id}")
    if as_json:
        render.as_json(run)
        return
    render.details([(k.replace("_", " ").capitalize(), v) for k, v in run.items()])


# --- usage and quota --------------------------------------------------------------------


@main.command(epilog="Examples:\n\n\b\n  keyward usage\n  keyward usage --days 7 --json")
@click.option("--days", type=click.IntRange(1, 90), default=30, show_default=True)
@json_option
@one_line_errors
def usage(days: int, as_json: bool) -> None:
    """The usage page's cards and a per-day stacked bar chart."""
    data = api().get("usage", days=days)
    if as_json:
        render.as_json(data)
        return
    cards = data["cards"]
    render.out.print(
        f"{data['start']} to {data['end']} ({data['time_zone']}). Activity only — not a bill."
    )
    render.details(
        [
            ("Executions", f"{cards['executions']} ({cards['in_flight']} in flight or paused)"),
            ("Success rate", cards["success_rate_display"]),
            ("Avg duration", cards["avg_duration_display"]),
        ]
    )
    render.out.print("")
    render.usage_chart(data["days"])


@main.command(epilog="Examples:\n\n\b\n  keyward quota\n  keyward quota --json")
@json_option
@one_line_errors
def quota(as_json: bool) -> None:
    """The organisation's monthly allowance of flow invocations."""
    data = api().get("quota")
    if as_json:
        render.as_json(data)
        return
    if data["allowance"] is None:
        render.out.print(
            f"{data['used']} invocations since {data['period_start'][:10]}; unlimited."
        )
        return
    render.out.print(
        f"{render.bar(data['used'], data['allowance'])}  {data['used']} of "
        f"{data['allowance']} used, {data['remaining']} left; resets "
        f"{data['period_end'][:10]}."
    )


if __name__ == "__main__":
    main()
