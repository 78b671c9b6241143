"""Where the CLI keeps its key: ~/.keyward/credentials (folder 0700, file 0600), JSON with
the URL and the key. KEYWARD_API_KEY and KEYWARD_URL in the environment win over it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Credentials:
    url: str
    api_key: str | None
    key_id: str | None = None  # set when `login` minted the key (so `logout` revokes it)
    from_env: bool = False


def folder() -> Path:
    return Path.home() / ".keyward"


def path() -> Path:
    return folder() / "credentials"


def stored() -> dict[str, str]:
    try:
        data = json.loads(path().read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def load(url: str | None = None) -> Credentials:
    """The environment first, then the file; `url` (a --url option) over both."""
    saved = stored()
    env_key = os.environ.get("KEYWARD_API_KEY") or None
    chosen_url = url or os.environ.get("KEYWARD_URL") or saved.get("url") or DEFAULT_URL
    if env_key:
        return Credentials(chosen_url.rstrip("/"), env_key, None, from_env=True)
    return Credentials(chosen_url.rstrip("/"), saved.get("api_key"), saved.get("key_id"))


def save(url: str, api_key: str, key_id: str | None) -> Path:
    """Write the file with 0600 from its creation (never readable by others, not even
    briefly), in a folder made 0700."""
    target = folder()
    target.mkdir(mode=0o700, exist_ok=True)
    target.chmod(0o700)
    data = {"url": url.rstrip("/"), "api_key": api_key}
    if key_id:
        data["key_id"] = key_id
    fd = os.open(path(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode on open: narrow it before writing
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    return path()


def delete() -> bool:
    try:
        path().unlink()
    except FileNotFoundError:
        return False
    return True
