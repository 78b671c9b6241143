"""The real `keyward` console script in a subprocess, HOME in a temporary folder, against
pytest-django's live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

KEYWARD = str(Path(sys.executable).parent / "keyward")


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYWARD_")}
    env.update({"HOME": str(home), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "COLUMNS": "200"})
    env.update(extra)
    return env


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def keyward(home: Path) -> Callable[..., Run]:
    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Run:
        done = subprocess.run(
            [KEYWARD, *args],
            env=environment(home, **(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run
