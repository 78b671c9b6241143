"""Bad input is a 4xx JSON error that writes nothing: expiries, page sizes, cursors, names.
Runs on SQLite and on PostgreSQL (make test runs both)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import AuditEvent, Tenant
from apikeys.models import ApiKey
from tests.api.conftest import ApiClient
from usage.models import Flow

LISTS = ["/api/v1/keys", "/api/v1/flows", "/api/v1/executions"]


@pytest.mark.parametrize(
    "expires_at",
    [
        pytest.param("9999-12-31T23:30:00Z", id="year-9999"),
        pytest.param("2100-01-01T00:00:00Z", id="beyond-ten-years"),
        pytest.param("2001-01-01T00:00:00Z", id="in-the-past"),
    ],
)
def test_an_expiry_outside_ten_years_ahead_is_refused(owner_key: Any, expires_at: str) -> None:
    before = ApiKey.objects.count()
    response = ApiClient(owner_key[1]).post_json(
        "/api/v1/keys", {"name": "far", "expires_at": expires_at}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "expires_at" in response.json()["error"]["fields"]
    assert ApiKey.objects.count() == before


def test_an_expiry_within_ten_years_is_accepted(owner_key: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    soon = (timezone.now() + timedelta(days=3650)).isoformat()
    response = ApiClient(owner_key[1]).post_json("/api/v1/keys", {"name": "ok", "expires_at": soon})
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "query",
    [
        pytest.param("limit=²", id="superscript-two"),
        pytest.param("limit=①", id="circled-one"),
        pytest.param("limit=" + "9" * 5000, id="5000-digits"),
        pytest.param("limit=0", id="zero"),
        pytest.param("limit=-1", id="negative"),
        pytest.param("limit=101", id="above-the-cap"),
        pytest.param("limit=ten", id="a-word"),
        pytest.param("cursor=bm90LWEtY3Vyc29y", id="bad-cursor"),
        pytest.param("cursor=%%%", id="not-base64"),
    ],
)
def test_a_bad_limit_or_cursor_is_a_400(owner_key: Any, path: str, query: str) -> None:
    response = ApiClient(owner_key[1]).get(f"{path}?{query}")
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("evil\nBcc: x@y.test", id="newline"),
        pytest.param("carriage\rreturn", id="carriage-return"),
        pytest.param("nul\x00byte", id="nul"),
        pytest.param("tab\there", id="tab"),
        pytest.param("escape\x1b[31m", id="escape"),
        pytest.param("line\u2028separator", id="unicode-line-separator"),
    ],
)
@pytest.mark.parametrize(
    ("path", "model"),
    [
        pytest.param("/api/v1/keys", ApiKey, id="key"),
        pytest.param("/api/v1/flows", Flow, id="flow"),
    ],
)
def test_names_refuse_control_characters(owner_key: Any, path: str, model: Any, name: str) -> None:
    before = model.objects.count()
    audited = AuditEvent.objects.count()
    response = ApiClient(owner_key[1]).post_json(path, {"name": name})
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]
    assert model.objects.count() == before
    assert AuditEvent.objects.count() == audited


def test_a_leak_reporter_with_a_newline_is_refused(db: None) -> None:
    response = ApiClient().post_json(
        "/api/v1/keys/leaked", {"keys": ["kw_user_x"], "reporter": "me\nBcc: x@y.test"}
    )
    assert response.status_code == 400
    assert "reporter" in response.json()["error"]["fields"]


def test_an_organisation_name_with_a_newline_is_a_form_error(
    client_for: Any, owner: Any, tenant: Tenant
) -> None:
    response = client_for(owner).post(
        "/console/settings", {"name": "Acme\nBcc: x@y.test", "time_zone": "UTC"}
    )
    assert response.status_code == 200
    assert "Use printable characters only" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.name == "Acme"


def test_a_numeric_slug_is_refused_not_stringified(owner_key: Any) -> None:
    response = ApiClient(owner_key[1]).post_json("/api/v1/flows", {"name": "n", "slug": 1106})
    assert response.status_code == 400
    assert "slug" in response.json()["error"]["fields"]
