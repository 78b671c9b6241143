"""The hygiene checks can fail: a planted leak in a column (updated, inserted, JSON, raw SQL),
a log record, an e-mail."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.core import mail
from django.db import DEFAULT_DB_ALIAS, connection, connections

from accounts.models import AuditEvent, Tenant
from apikeys import crypto
from apikeys.models import Kind, create_key
from tests.hygiene.plugin import RECORDER, as_text


def test_every_generated_key_is_recorded(tenant: Tenant) -> None:
    _, raw = create_key(tenant=tenant, kind=Kind.TEAM, name="Recorded")
    assert raw in RECORDER.keys


def writes_seen() -> list[str]:
    """What the statement watch caught, taken away so that the planted leak fails nothing."""
    hits = list(RECORDER.statements.hits)
    RECORDER.statements.hits.clear()
    return hits


@pytest.fixture
def planted() -> Iterator[str]:
    """A recorded key, forgotten (with whatever the watch saw of it) after the test."""
    raw = crypto.generate("user")
    yield raw
    RECORDER.forget(raw)


def test_a_key_written_into_a_column_is_found_with_its_table_and_column(
    tenant: Tenant, planted: str
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(name=f"leak {planted}")
    assert writes_seen() == ["database accounts_tenant.name"]


def test_a_key_in_a_new_row_is_found_with_its_table_and_column(
    tenant: Tenant, planted: str
) -> None:
    AuditEvent.objects.create(tenant=tenant, action="test", actor_label=f"leak {planted}")
    assert writes_seen() == ["database accounts_auditevent.actor_label"]


def test_a_key_in_json_is_found(tenant: Tenant, planted: str) -> None:
    AuditEvent.objects.create(tenant=tenant, action="test", details={"nested": [planted]})
    assert writes_seen() == ["database accounts_auditevent.details"]


def test_a_key_spelled_into_raw_sql_is_found(tenant: Tenant, planted: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE accounts_tenant SET name = 'x{planted}' WHERE id = {tenant.pk}")
    assert writes_seen() == ["database accounts_tenant"]


def test_reading_with_a_key_is_no_leak(db: None, planted: str) -> None:
    assert not Tenant.objects.filter(name=planted).exists()
    assert writes_seen() == []


def test_every_new_connection_is_watched(db: None) -> None:
    fresh = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        fresh.ensure_connection()
        assert RECORDER.statements in fresh.execute_wrappers
    finally:
        fresh.close()


def test_json_adapters_are_read_whole(planted: str) -> None:
    from psycopg.types.json import Jsonb

    assert planted in as_text(Jsonb({"padding": "x" * 100, "key": planted}))


def test_a_key_in_a_log_record_is_caught_from_any_logger() -> None:
    raw = crypto.generate("team")
    try:
        logging.getLogger("keyward.somewhere").debug("calling with %s", raw)
        assert any(raw in hit for hit in RECORDER.handler.hits)
    finally:
        RECORDER.handler.hits.clear()
        RECORDER.forget(raw)


def test_a_key_in_an_e_mail_is_found() -> None:
    raw = crypto.generate("user")
    mail.send_mail("Your key", f"here: {raw}", None, ["someone@example.test"])
    try:
        assert RECORDER.leaked_in(str(mail.outbox[-1].body)) == {raw}
    finally:
        mail.outbox.clear()
        RECORDER.forget(raw)


def test_keys_of_the_wrong_shape_or_not_generated_here_are_not_reported() -> None:
    other = "kw_user_" + "0" * 72
    assert RECORDER.leaked_in(f"{other} kw_user_short") == set()
