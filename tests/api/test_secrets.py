"""The raw key exists only in the response that shows it once: no column, no log line."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from accounts.models import Tenant
from tests.api.conftest import MINTED, ApiClient, mint


def all_text_values() -> str:
    """Every text-ish column of every table, concatenated."""
    chunks: list[str] = []
    for model in apps.get_models():
        if model._meta.db_table not in connection.introspection.table_names():
            continue
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model._default_manager.values_list(*text_fields):
            chunks.extend(str(value) for value in row)
    if "keyward_cache" not in connection.introspection.table_names():
        return "\n".join(chunks)  # the cache is Redis
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM keyward_cache")
        chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


@pytest.fixture
def minted_through_everything(caplog, tenant, owner, member, outsider, settings):
    """Keys minted and used through the API, the command and a leak report, with every
    log line (SQL included) captured at DEBUG."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    raws = []
    with CaptureQueriesContext(connection) as sql:
        _key, raw = mint(tenant, owner, name="root")
        raws.append(raw)
        client = ApiClient(raw)
        created = client.post_json("/api/v1/keys", {"name": "api-made"}).json()
        raws.append(created["key"])
        regenerated = client.post_json(f"/api/v1/keys/{created['id']}/regenerate").json()
        raws.append(regenerated["key"])
        ApiClient(regenerated["key"]).get("/api/v1/keys")
        ApiClient(raws[0][:-1] + "0").get("/api/v1/whoami")  # a failure, logged as 401

        import io

        out = io.StringIO()
        call_command(
            "create_api_key", tenant=tenant.slug, team=True, name="cmd", stdout=out, stderr=out
        )
        raws.append(out.getvalue().strip().splitlines()[-1])
        ApiClient().post_json("/api/v1/keys/leaked", {"keys": [raws[-1]]})
    MINTED.extend(raws)
    return raws, sql, caplog


def test_raw_keys_are_in_no_database_column(minted_through_everything):
    raws, _, _ = minted_through_everything
    stored = all_text_values()
    assert all(raw.startswith("kw_") for raw in raws)
    assert [raw for raw in raws if raw in stored] == []
    assert [raw for raw in MINTED if raw in stored] == []


def test_raw_keys_are_in_no_log_line(minted_through_everything):
    raws, sql, caplog = minted_through_everything
    records = caplog.get_records("setup")  # the fixture ran in the setup phase
    assert any("INSERT INTO" in r.getMessage() for r in records), "SQL was not logged"
    logged = "\n".join(record.getMessage() for record in records)
    assert [raw for raw in raws if raw in logged] == []
    inserts = [q["sql"] for q in sql.captured_queries if 'INSERT INTO "apikeys_apikey"' in q["sql"]]
    assert inserts and all(raw not in q for q in inserts for raw in raws)


def test_audit_entries_name_keys_by_their_masked_form(minted_through_everything, tenant):
    from accounts.models import AuditEvent

    raws, _, _ = minted_through_everything
    events = AuditEvent.objects.filter(tenant=tenant)
    assert events.filter(action="key.created").count() == 2  # the API and the command
    text = " ".join(f"{e.actor_label} {e.target_label} {e.details}" for e in events)
    assert "…" in text and not [raw for raw in raws if raw in text]
    assert Tenant.objects.count() == 2


def test_a_server_error_report_never_shows_the_presented_key(owner_key, monkeypatch, caplog):
    """What Django would mail to admins on a 500 (frames and their local variables, the
    request's headers) holds no trace of the key being authenticated."""
    import sys

    from django.views.debug import ExceptionReporter

    from apikeys import authentication

    _, raw = owner_key

    def broken(digest, now):
        raise RuntimeError("database went away")

    monkeypatch.setattr(authentication, "find_by_digest", broken)
    client = ApiClient(raw, raise_request_exception=False)
    assert client.get("/api/v1/whoami").status_code == 500
    record = next(r for r in caplog.records if r.name == "django.request" and r.exc_info)
    report = ExceptionReporter(record.request, *record.exc_info)
    text, html = report.get_traceback_text(), report.get_traceback_html()
    assert "database went away" in text  # the report is real
    assert raw not in text and raw not in html
    assert sys.exc_info() == (None, None, None)


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_API_KEY"])
def test_the_debug_error_page_never_shows_a_raw_key(
    owner_key, member_key, settings, monkeypatch, header
):
    """DEBUG=true is the development default, and Django stops cleansing there; ours does
    not: the technical 500 page of a leak report (raw keys in the view's locals) and of a
    keyed request hold no key."""
    from apikeys.api import leaked

    settings.DEBUG = True
    _, raw = owner_key
    _, reported = member_key

    def broken(*args, **kwargs):
        raise RuntimeError("mail went away")

    monkeypatch.setattr(leaked, "notify", broken)
    value = raw if header == "HTTP_X_API_KEY" else f"Bearer {raw}"
    client = ApiClient(raise_request_exception=False, **{header: value})
    response = client.post_json("/api/v1/keys/leaked", {"keys": [reported]})
    page = response.content.decode()
    assert response.status_code == 500 and "mail went away" in page  # the real DEBUG page
    assert "Traceback" in page or "traceback" in page
    assert raw not in page and reported not in page
    assert raw[8:] not in page and reported[8:] not in page
