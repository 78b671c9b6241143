"""Secret hygiene across the whole test session (hooks wired in by tests/conftest.py).

Every raw key generated during the session is recorded (by wrapping `apikeys.crypto.generate`,
the one place secrets are made). Everything that could keep a key is watched as it happens:
every statement any database connection runs (a Django execute wrapper, on every connection
of every thread), every log record (a root handler at DEBUG reads each one as it is emitted,
whichever thread wrote it), the e-mails sent and the test's stderr. A recorded key in a
write, a record, an e-mail or stderr fails the test that was running, naming where it went.
Reading statements as they run costs microseconds; reading back every table after every
test, as this plugin once did, cost half of the suite's time. Stdout is not scanned:
`create_api_key` prints the new key there by design, as the show-once page does.
"""

from __future__ import annotations

import datetime
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

RAW_KEY_RE = re.compile(r"kw_(?:user|team)_[0-9a-f]{72}")
# Statements that only read cannot store a key; everything else (INSERT, UPDATE, COPY, ...)
# is read. A key inside a WHERE of a SELECT is a lookup, not a leak.
READ_ONLY_RE = re.compile(r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|COMMIT|BEGIN)\b", re.I)
INSERT_RE = re.compile(r'\s*INSERT\s+INTO\s+"?([\w.]+)"?\s*\(([^)]*)\)', re.I)
UPDATE_RE = re.compile(r'\s*UPDATE\s+"?([\w.]+)"?\s+SET\s+(.*?)(?:\s+WHERE\s|$)', re.I | re.S)
ASSIGNMENT_RE = re.compile(r'"(\w+)"\s*=\s*%s')


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


# Parameter types that cannot carry text: not read at all (bulk inserts bring thousands).
NO_TEXT = (int, float, Decimal, datetime.date, datetime.time, datetime.timedelta, uuid.UUID)


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, NO_TEXT):
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    # psycopg's JSON adapters (Jsonb) shorten their repr: read the object they carry.
    return repr(getattr(value, "obj", value))


def written_where(sql: str, position: int | None) -> str:
    """`database table.column` for the value at `position` of a simple INSERT or UPDATE;
    the table alone, or the statement's start, when the statement says no more."""
    if match := INSERT_RE.match(sql):
        table, columns = match.group(1), [c.strip(' "') for c in match.group(2).split(",")]
        if position is not None and columns:
            return f"database {table}.{columns[position % len(columns)]}"
        return f"database {table}"
    if match := UPDATE_RE.match(sql):
        table, assignments = match.group(1), match.group(2)
        columns = ASSIGNMENT_RE.findall(assignments)
        if position is not None and position < len(columns) == assignments.count("%s"):
            return f"database {table}.{columns[position]}"
        return f"database {table}"
    return f"database statement {sql.strip()[:120]!r}"


class StatementWatch:
    """A Django execute wrapper: keeps where each statement carrying a recorded key wrote."""

    def __init__(self, leaked_in: Callable[[str], set[str]]) -> None:
        self.leaked_in = leaked_in
        self.count = 0
        self.hits: list[str] = []

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        self.count += 1
        if not READ_ONLY_RE.match(sql):
            self.hits += self.leaks(sql, params, many)
        return execute(sql, params, many, context)

    def leaks(self, sql: str, params: Any, many: bool) -> list[str]:
        found = []
        if self.leaked_in(sql):
            found.append(written_where(sql, None))
        rows: Sequence[Any] = params if many else [params]
        for row in rows or ():
            values = row.values() if isinstance(row, dict) else (row or ())
            for position, value in enumerate(values):
                text = as_text(value)
                if "kw_" in text and self.leaked_in(text):
                    found.append(written_where(sql, position))
        return found

    def attach(self, connection: Any) -> None:
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)


@dataclass
class Recorder:
    """The raw keys of the session and the outputs read so far."""

    keys: set[str] = field(default_factory=set)
    handler: WatchingHandler = field(init=False)
    statements: StatementWatch = field(init=False)

    def __post_init__(self) -> None:
        self.handler = WatchingHandler(self.leaked_in)
        self.statements = StatementWatch(self.leaked_in)

    def wrap(self, generate: Callable[[str], str]) -> Callable[[str], str]:
        def recording_generate(kind: str) -> str:
            raw = generate(kind)
            self.keys.add(raw)
            return raw

        recording_generate.records_keys = True  # type: ignore[attr-defined]
        return recording_generate

    def forget(self, raw: str) -> None:
        """For the self-test that plants a leak on purpose."""
        self.keys.discard(raw)

    def leaked_in(self, text: str) -> set[str]:
        if not self.keys:
            return set()
        return set(RAW_KEY_RE.findall(text)) & self.keys


RECORDER = Recorder()


def watch_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    RECORDER.statements.attach(connection)


def install() -> None:
    """Wrap the generator, watch every database connection and attach the log handler
    (once per session)."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    from apikeys import crypto

    if not getattr(crypto.generate, "records_keys", False):
        crypto.generate = RECORDER.wrap(crypto.generate)  # type: ignore[assignment]
    # Every connection, whichever thread opens it (live server, concurrency tests), is
    # watched from its first statement on; the ones already open are watched now.
    connection_created.connect(watch_connection, dispatch_uid="keyward-secret-hygiene")
    for connection in connections.all(initialized_only=True):
        RECORDER.statements.attach(connection)
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


def output_leaks(item: pytest.Item) -> list[str]:
    found = []
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


def watched_leaks() -> list[str]:
    found = [f"log record: {text}" for text in RECORDER.handler.hits]
    found += RECORDER.statements.hits
    RECORDER.handler.hits.clear()
    RECORDER.statements.hits.clear()
    return found


def fail_on(leaks: list[str]) -> None:
    leaks = sorted(set(leaks))
    if leaks:
        pytest.fail("a raw API key leaked:\n  " + "\n  ".join(leaks), pytrace=False)


def pytest_collection_finish(session: pytest.Session) -> None:
    install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    # What the setup and the test body wrote, logged, sent and printed.
    fail_on(watched_leaks() + output_leaks(item))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    result = yield
    fail_on(watched_leaks())  # what the fixtures wrote and logged on the way out
    return result


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(
        f"secret hygiene: {len(RECORDER.keys)} raw keys generated, "
        f"{RECORDER.statements.count} database statements and "
        f"{RECORDER.handler.count} log records scanned"
    )
