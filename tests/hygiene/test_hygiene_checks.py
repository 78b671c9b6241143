"""The hygiene checks can fail: a planted leak in a column, a log record, an e-mail."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from accounts.models import Tenant
from apikeys import crypto
from apikeys.models import Kind, create_key
from tests.hygiene.plugin import RECORDER, database_leaks


def test_every_generated_key_is_recorded(tenant: Tenant) -> None:
    _, raw = create_key(tenant=tenant, kind=Kind.TEAM, name="Recorded")
    assert raw in RECORDER.keys


@pytest.mark.django_db
def test_a_key_written_into_a_column_is_found_with_its_table_and_column(tenant: Tenant) -> None:
    raw = crypto.generate("user")
    try:
        Tenant.objects.filter(pk=tenant.pk).update(name=f"leak {raw}")
        assert database_leaks(RECORDER.leaked_in) == ["database accounts_tenant.name"]
    finally:
        Tenant.objects.filter(pk=tenant.pk).update(name="Acme")
        RECORDER.forget(raw)


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
