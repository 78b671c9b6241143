"""The authentication lookup, compiled once per process from the ORM.

Building and compiling a queryset with subqueries costs Django about ten times the
database work it describes (measured on PostgreSQL here: ~2.5 ms of Python against ~0.25 ms
of planning and execution). The query never changes shape, only its digest and clock, so
its SQL is compiled once from the ORM — `usable_condition` stays the one definition of a
usable key — and re-run with new parameters. The row becomes a model instance the way
Django's own ModelIterable builds one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

from apikeys.models import ApiKey, ApiKeyQuerySet, lacks_required_mfa

DIGEST_PLACEHOLDER = "lookup-digest-placeholder"
CLOCK_PLACEHOLDER = datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


def by_digest(digest: str, now: datetime) -> ApiKeyQuerySet:
    """The queryset the SQL is compiled from: the key whose current or previous secret has
    this digest, whatever its state, with its tenant, user, membership and `key_state`, and
    `lacks_mfa` (why an inactive key is refused, when that is why)."""
    return (
        ApiKey.objects.filter(Q(digest=digest) | Q(previous_digest=digest))
        .select_related("tenant", "user", "membership")
        .with_state(now)
        .annotate(lacks_mfa=ExpressionWrapper(lacks_required_mfa(), output_field=BooleanField()))
        .order_by()
    )


def find_with_orm(digest: str, now: datetime) -> ApiKey | None:
    """The plain ORM version of the lookup: what the compiled one must equal."""
    return by_digest(digest, now).first()


class PreparedDebugCursor(CursorDebugWrapper):
    """Django's debug cursor, logging the SQL it was given: psycopg cannot tell Django the
    text of a prepared statement afterwards."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


class CompiledLookup:
    """The SQL of `by_digest` for one database, and how to turn its row into a key."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        compiler = by_digest(DIGEST_PLACEHOLDER, CLOCK_PLACEHOLDER).query.get_compiler(alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        clock = self.clock_param(CLOCK_PLACEHOLDER)
        self.digest_at = [i for i, p in enumerate(self.params) if p == DIGEST_PLACEHOLDER]
        self.clock_at = [i for i, p in enumerate(self.params) if p == clock]
        if len(self.digest_at) != 2 or not self.clock_at:
            raise RuntimeError("The key lookup's parameters could not be located.")
        select, klass_info = compiler.select, compiler.klass_info
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1]
        self.key_columns = slice(first, last + 1)
        self.init_list = [column[0].target.attname for column in select[self.key_columns]]
        self.populators = get_related_populators(klass_info, select, alias)
        self.annotations = compiler.annotation_col_map
        self.compiler = compiler
        self.converters = compiler.get_converters([column[0] for column in select])

    def clock_param(self, now: datetime) -> Any:
        field = ApiKey._meta.get_field("expires_at")
        return field.get_db_prep_value(now, connections[self.alias])

    def cursor(self) -> Any:
        """On PostgreSQL a server-side-binding cursor, so that the server keeps this one query
        prepared: planning it (~0.25 ms) costs more than running it. Django's own cursors
        bind on the client and never prepare, so nothing else is affected. Still Django's
        cursor wrapper, so the query is counted and logged like any other."""
        connection = connections[self.alias]
        if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
            return connection.cursor()
        import psycopg

        connection.ensure_connection()
        connection.validate_thread_sharing()
        server_side = psycopg.Cursor(connection.connection)
        if connection.queries_logged:
            return PreparedDebugCursor(server_side, connection)
        return CursorWrapper(server_side, connection)

    def find(self, digest: str, now: datetime) -> ApiKey | None:
        params = list(self.params)
        for i in self.digest_at:
            params[i] = digest
        clock = self.clock_param(now)
        for i in self.clock_at:
            params[i] = clock
        with self.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        key = ApiKey.from_db(self.alias, self.init_list, row[self.key_columns])
        for populator in self.populators:
            populator.populate(row, key)
        for name, position in self.annotations.items():
            setattr(key, name, row[position])
        return key


_compiled: dict[str, CompiledLookup] = {}


def find_by_digest(digest: str, now: datetime, alias: str = "default") -> ApiKey | None:
    """One query: the key for this digest with its membership and `key_state`, or None.
    APIKEY_LOOKUP=orm switches to the plain queryset (compiled is the default)."""
    if settings.APIKEY_LOOKUP == "orm":
        return find_with_orm(digest, now)
    compiled = _compiled.get(alias)
    if compiled is None:
        compiled = _compiled[alias] = CompiledLookup(alias)
    return compiled.find(digest, now)
