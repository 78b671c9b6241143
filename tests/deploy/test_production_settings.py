"""Production settings, each in a fresh process: the deploy check, start-up refusals, and the
security headers and cookies of real responses."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
HOST = "keyward.example.com"
HEADERS_SCRIPT = Path(__file__).with_name("production_responses.py")


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """The environment of a production start: DEBUG off, real secrets, a throwaway SQLite."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "SECURE_", "REDIS_", "DATABASE_", "PYTEST_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        APIKEY_PEPPER=secrets.token_urlsafe(32),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_deploy_check_is_clean_at_warning_level(tmp_path: Path) -> None:
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_fails_on_a_weak_secret_key(tmp_path: Path) -> None:
    """The check above would catch a regression: a short SECRET_KEY trips security.W009."""
    env = production_env(tmp_path, SECRET_KEY="too-short")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


SHARED_SECRET = secrets.token_urlsafe(50)


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        pytest.param(
            {"APIKEY_PEPPER": "development-only-apikey-pepper"},
            "is the development default",
            id="development-pepper",
        ),
        pytest.param(
            {"APIKEY_PEPPER": SHARED_SECRET, "SECRET_KEY": SHARED_SECRET},
            "equals SECRET_KEY",
            id="pepper-is-secret-key",
        ),
        pytest.param({"APIKEY_PEPPER": "x"}, "shorter than 32", id="one-character-pepper"),
        pytest.param({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS contains '*'", id="wildcard-host"),
        pytest.param(
            {"ALLOWED_HOSTS": f"{HOST},*"}, "ALLOWED_HOSTS contains '*'", id="wildcard-among"
        ),
    ],
)
def test_the_deploy_check_refuses_weak_configurations(
    tmp_path: Path, overrides: dict[str, str], complaint: str
) -> None:
    result = run(["manage.py", "check", "--deploy"], production_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert complaint in result.stdout + result.stderr


@pytest.mark.parametrize("variable", ["SECRET_KEY", "APIKEY_PEPPER", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_required_variable_in_one_line(
    tmp_path: Path, variable: str
) -> None:
    result = run(["manage.py", "check"], production_env(tmp_path, **{variable: None}))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("variable", ["SECRET_KEY", "APIKEY_PEPPER"])
def test_an_empty_required_variable_counts_as_missing(tmp_path: Path, variable: str) -> None:
    result = run(["manage.py", "check"], production_env(tmp_path, **{variable: ""}))
    assert result.returncode != 0
    assert variable in result.stderr


@pytest.fixture(scope="module")
def responses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Headers and cookies of real responses, from a process with production settings."""
    tmp_path = tmp_path_factory.mktemp("production")
    # Hashed static file names need `collectstatic`; headers do not depend on them.
    env = production_env(tmp_path, STATIC_MANIFEST="false")
    result = run([str(HEADERS_SCRIPT)], env)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


CONSOLE_PAGES = ["signin_page", "signed_in_page", "api"]


@pytest.mark.parametrize("page", ["signin_page", "signed_in_page"])
def test_console_responses_carry_a_strict_content_security_policy(
    responses: dict[str, Any], page: str
) -> None:
    policy = responses[page]["headers"]["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


@pytest.mark.parametrize("page", CONSOLE_PAGES)
def test_responses_carry_hsts_framing_sniffing_and_referrer_headers(
    responses: dict[str, Any], page: str
) -> None:
    headers = responses[page]["headers"]
    hsts = headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_csrf_cookie_is_secure_and_http_only(responses: dict[str, Any]) -> None:
    cookie = responses["signin_page"]["cookies"]["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_session_cookie_after_sign_in_is_secure_and_http_only(
    responses: dict[str, Any],
) -> None:
    assert responses["sign_in"]["status"] == 302
    cookie = responses["sign_in"]["cookies"]["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_a_signed_in_console_page_is_served_under_production_settings(
    responses: dict[str, Any],
) -> None:
    assert responses["signed_in_page"]["status"] == 200


def test_plain_http_is_redirected_to_https(responses: dict[str, Any]) -> None:
    redirect = responses["http"]
    assert redirect["status"] == 301
    assert redirect["headers"]["Location"] == f"https://{HOST}/signin"


def test_an_unknown_host_is_refused(responses: dict[str, Any]) -> None:
    assert responses["foreign_host"]["status"] == 400
