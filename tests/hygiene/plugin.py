"""Secret hygiene across the whole test session (hooks wired in by tests/conftest.py).

Every raw key generated during the session is recorded (by wrapping `apikeys.crypto.generate`,
the one place secrets are made). After each test's body, while its transaction is still
open, the plugin looks for any recorded key in every text of every table of the database,
in every log record of the session (a root handler at DEBUG reads each one as it is
emitted, whichever thread wrote it), in the e-mails sent and in the test's stderr. A hit
fails that test, naming where the key leaked. Stdout is not scanned: `create_api_key`
prints the new key there by design, as the show-once page does in the console.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

RAW_KEY_RE = re.compile(r"kw_(?:user|team)_[0-9a-f]{72}")
DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


class WatchingHandler(logging.Handler):
    """Reads every record as it is emitted and keeps the ones holding a recorded key."""

    def __init__(self, leaked_in: Callable[[str], set[str]]) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.leaked_in = leaked_in
        self.count = 0
        self.hits: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        try:
            text = self.format(record)
        except Exception:
            text = f"{record.msg} {record.args}"
        if self.leaked_in(text):
            self.hits.append(text[:300])


@dataclass
class Recorder:
    """The raw keys of the session and the outputs read so far."""

    keys: set[str] = field(default_factory=set)
    minted_in_test: int = 0
    handler: WatchingHandler = field(init=False)

    def __post_init__(self) -> None:
        self.handler = WatchingHandler(self.leaked_in)

    def wrap(self, generate: Callable[[str], str]) -> Callable[[str], str]:
        def recording_generate(kind: str) -> str:
            raw = generate(kind)
            self.keys.add(raw)
            self.minted_in_test += 1
            return raw

        recording_generate.records_keys = True  # type: ignore[attr-defined]
        return recording_generate

    def forget(self, raw: str) -> None:
        """For the self-test that plants a leak on purpose."""
        self.keys.discard(raw)

    def leaked_in(self, text: str) -> set[str]:
        return set(RAW_KEY_RE.findall(text)) & self.keys


RECORDER = Recorder()


def install() -> None:
    """Wrap the generator and attach the log handler (once per session)."""
    from apikeys import crypto

    if not getattr(crypto.generate, "records_keys", False):
        crypto.generate = RECORDER.wrap(crypto.generate)  # type: ignore[assignment]
    root = logging.getLogger()
    if RECORDER.handler not in root.handlers:
        root.addHandler(RECORDER.handler)
        # Records below the root's level never reach a handler; let DEBUG through, while
        # the console handler from LOGGING keeps printing at its own level.
        for handler in root.handlers:
            if handler is not RECORDER.handler and handler.level == logging.NOTSET:
                handler.setLevel(root.level)
        root.setLevel(logging.DEBUG)
        # Template variable misses are logged at DEBUG with a traceback each: costly, and
        # they name variables, never values.
        logging.getLogger("django.template").setLevel(logging.INFO)


def database_leaks(keys_of: Callable[[str], set[str]]) -> list[str]:
    """`table.column` for each text cell of the database holding a recorded key."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = value if isinstance(value, str) else repr(value)
                    if keys_of(text):
                        found.append(f"database {table}.{column}")
    return found


def output_leaks(item: pytest.Item) -> list[str]:
    found = []
    found += [f"log record: {text}" for text in RECORDER.handler.hits]
    RECORDER.handler.hits.clear()
    try:
        from django.core import mail

        outbox = getattr(mail, "outbox", [])
    except Exception:
        outbox = []
    for message in outbox:
        text = f"{message.subject}\n{message.body}"
        if RECORDER.leaked_in(text):
            found.append(f"e-mail {message.subject!r} to {message.to}")
    for _when, key, content in item._report_sections:
        if "stderr" in key and RECORDER.leaked_in(content):
            found.append(f"captured {key}")
    return found


def uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & DB_FIXTURES) or item.get_closest_marker("django_db") is not None


def check(item: pytest.Item) -> Iterator[str]:
    """Where this test leaked a recorded key, if anywhere."""
    yield from output_leaks(item)
    if RECORDER.minted_in_test and uses_database(item):
        from django.db import DatabaseError
        from django.db.transaction import TransactionManagementError

        # A test that left its transaction broken has nothing to read back.
        with contextlib.suppress(TransactionManagementError, DatabaseError):
            yield from database_leaks(RECORDER.leaked_in)


def pytest_collection_finish(session: pytest.Session) -> None:
    install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    RECORDER.minted_in_test = 0
    result = yield
    leaks = sorted(set(check(item)))
    if leaks:
        pytest.fail("a raw API key leaked:\n  " + "\n  ".join(leaks), pytrace=False)
    return result


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(
        f"secret hygiene: {len(RECORDER.keys)} raw keys generated, "
        f"{RECORDER.handler.count} log records scanned"
    )
