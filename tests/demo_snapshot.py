"""`manage.py demo` once per session; its rows replayed wherever a test needs the demo data.

The demo writes 30 days of executions (tens of thousands of rows) and costs seconds a run;
several modules need its data. The first test that asks runs the real command in a
transaction, keeps its output and every row it added, and rolls back. Each test that asks
then gets those rows inserted into its own transaction, in a fraction of the time. Running
`demo` again on top of them is the real command again, so its idempotency is tested for real.
The secret-hygiene watch read every row when the real run wrote it; the replay (COPY on
PostgreSQL) writes the same rows again.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from usage import stats

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JSON_OIDS = {114, 3802}  # PostgreSQL's json and jsonb: psycopg reads them as Python
MAX_PARAMS = connection.features.max_query_params or 65535


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class DemoSnapshot:
    """What one real run of `demo` printed and wrote, and when."""

    output: str
    tables: list[Table]
    made_at: datetime
    time_zones: list[str]

    def restore(self) -> None:
        """Insert the demo's rows into the current transaction: COPY on PostgreSQL, many rows
        a statement on SQLite."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in self.tables:
                columns = ", ".join(quote(c) for c in table.columns)
                into = f"{quote(table.name)} ({columns})"
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {into} FROM STDIN") as copy:
                        for row in table.rows:
                            copy.write_row(row)
                    continue
                row_marks = "(" + ", ".join(["%s"] * len(table.columns)) + ")"
                per_statement = min(1000, MAX_PARAMS // len(table.columns))
                for start in range(0, len(table.rows), per_statement):
                    rows = table.rows[start : start + per_statement]
                    cursor.execute(
                        f"INSERT INTO {into} VALUES {', '.join([row_marks] * len(rows))}",
                        [value for row in rows for value in row],
                    )

    def is_for_today(self) -> bool:
        """The demo's data is relative to each organisation's today."""
        now = timezone.now()
        return all(
            stats.today_in(tz, self.made_at) == stats.today_in(tz, now) for tz in self.time_zones
        )


def rows_of(cursor: Any, table: str) -> tuple[list[str], list[tuple[Any, ...]], list[int]]:
    """The columns and rows of a table, and which columns hold JSON that psycopg decoded."""
    cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
    columns = [column[0] for column in cursor.description]
    json_columns = [i for i, column in enumerate(cursor.description) if column[1] in JSON_OIDS]
    return columns, cursor.fetchall(), json_columns


def as_written(row: tuple[Any, ...], json_columns: list[int]) -> tuple[Any, ...]:
    """A row as it can be inserted again (PostgreSQL's JSON as JSON, not as text)."""
    if not json_columns:
        return row
    from psycopg.types.json import Jsonb

    return tuple(Jsonb(v) if i in json_columns else v for i, v in enumerate(row))


def take() -> DemoSnapshot:
    """Run `demo` for real in a transaction that is rolled back; keep what it added."""
    out = io.StringIO()
    made_at = timezone.now()
    tables = connection.introspection.table_names()
    with transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with connection.cursor() as cursor:
            before = {name: rows_of(cursor, name)[1] for name in tables}
            assert not before["accounts_tenant"], "the demo snapshot is taken on an empty database"
            call_command("demo", stdout=out)
            after = {name: rows_of(cursor, name) for name in tables}
            cursor.execute("SELECT DISTINCT time_zone FROM accounts_tenant")
            time_zones = [tz for (tz,) in cursor.fetchall()]
        transaction.set_rollback(True)
    added = []
    for name, (columns, rows, json_columns) in after.items():
        old = set(map(repr, before[name]))
        new = [as_written(row, json_columns) for row in rows if repr(row) not in old]
        if new:
            added.append(Table(name, columns, new))
    return DemoSnapshot(out.getvalue(), added, made_at, time_zones)


_taken: list[DemoSnapshot] = []


def session_snapshot() -> DemoSnapshot:
    """The session's snapshot (taken in the current transaction, which it leaves as it found
    it), taken again should a day have turned since."""
    if not _taken or not _taken[0].is_for_today():
        _taken[:] = [take()]
    return _taken[0]
