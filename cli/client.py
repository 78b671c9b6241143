"""The CLI's HTTP client: httpx with a timeout, and every failure turned into one line."""

from __future__ import annotations

import math
from typing import Any

import httpx

VERSION = "0.1.0"
USER_AGENT = f"keyward-cli/{VERSION}"


class CliError(Exception):
    """A failure the CLI reports as one line and exit code `code` (1 unless said)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("code", "")), str(error.get("message", ""))
    if isinstance(error, str):  # an OAuth error body
        return error, str(body.get("error_description", ""))
    return "", response.reason_phrase


def duration(seconds: int) -> str:
    """How long, in the largest unit that gives two or more, rounded up: retrying after the
    time said is never too early."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            return f"{math.ceil(seconds / size)} {unit}s"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def explain(response: httpx.Response) -> CliError:
    """One clear line for a refused request."""
    code, message = _error_of(response)
    message = message.rstrip(".")  # each line below ends its own sentence
    status = response.status_code
    if status == 401:
        return CliError(
            f"Not signed in: {message or 'the API key was refused'} ({code or 401}). "
            "Run `keyward login`."
        )
    if status == 403:
        return CliError(f"Forbidden: {message or 'this key may not do that'} ({code or 403}).")
    if status == 404:
        return CliError(f"Not found: {message or 'no such object'}.")
    if status == 429:
        retry = response.headers.get("Retry-After", "")
        when = f"Retry in {duration(int(retry))}." if retry.isdigit() else "Retry later."
        if code == "quota_exceeded":
            return CliError(f"Monthly allowance used: {message}. {when}")
        return CliError(f"Rate limited: too many requests. {when}")
    if status >= 500:
        return CliError(f"The server failed ({status}): {message or 'try again later'}.")
    return CliError(f"Refused ({status} {code}): {message}.")


class Api:
    """Calls of the REST API under {url}/api/v1, with the key as a Bearer token."""

    def __init__(self, url: str, api_key: str | None, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)
        self.has_key = bool(api_key)

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise CliError(f"Cannot reach {self.url}: the server did not answer in time.") from None
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            raise CliError(
                f"Cannot reach {self.url} ({reason}). Is the server running? "
                "Check --url or KEYWARD_URL."
            ) from None

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """A JSON API call; a refusal raises CliError with one line."""
        if not self.has_key:
            raise CliError("Not signed in. Run `keyward login` (or set KEYWARD_API_KEY).")
        response = self.send(method, f"/api/v1/{path.lstrip('/')}", **kwargs)
        if response.status_code >= 400:
            raise explain(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise CliError(
                f"{self.url} did not answer with JSON: is it a Keyward server?"
            ) from None

    def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.call("GET", path, params=clean)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call("POST", path, json=body or {})
