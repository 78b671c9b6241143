"""The create form: what it accepts, and the errors it shows instead of creating a key."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from accounts.models import AuditAction, AuditEvent
from apikeys.models import ApiKey
from apikeys.scopes import ALL_SCOPES
from tests.console_keys.conftest import create_via_console, nonce_of, user_key


def test_create_page_works_without_javascript(owner, client_for):
    page = client_for(owner).get("/console/api-keys/new")
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-dialog-content" in html
    assert 'name="name"' in html and "autofocus" in html
    assert "Tick none for full access" in html
    for scope in ALL_SCOPES:
        assert f'value="{scope}"' in html
    assert "no-store" in page["Cache-Control"]


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"name": "Ok", "expires_on": "2020-01-01"}, "Pick a date in the future."),
        ({"name": "Ok", "expires_on": "not a date"}, "Enter a valid date."),
        ({"name": "Ok", "expires_on": "9999-12-31"}, "at most 10 years ahead"),
        ({"name": "evil\nBcc: x@y.test"}, "Use printable characters only"),
        ({"name": "tab\there"}, "Use printable characters only"),
        ({"name": "Ok", "scopes": ["keys:read", "root:all"]}, "Select a valid choice"),
        ({"name": "Ok", "kind": "robot"}, "Select a valid choice"),
    ],
)
def test_invalid_input_shows_a_form_error_and_creates_nothing(owner, client_for, data, field_error):
    response = create_via_console(client_for(owner), **data)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not ApiKey.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.KEY_CREATED).exists()


def test_duplicate_live_name_is_a_form_error(tenant, owner, member, client_for):
    user_key(tenant, member, "Deploy")
    response = create_via_console(client_for(owner), name=" Deploy ")
    assert response.status_code == 200
    assert "A live key named “Deploy” already exists." in response.content.decode()
    assert ApiKey.objects.count() == 1


def test_revoked_keys_name_can_be_reused(tenant, owner, client_for):
    user_key(tenant, owner, "Deploy", revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    response = create_via_console(client_for(owner), name="Deploy")
    assert response.status_code == 200
    assert ApiKey.objects.live().filter(name="Deploy").count() == 1
    assert ApiKey.objects.filter(name="Deploy").count() == 2


def test_same_name_in_another_tenant_is_fine(tenant, other_tenant, owner, outsider, client_for):
    user_key(other_tenant, outsider, "Deploy")
    assert create_via_console(client_for(owner), name="Deploy").status_code == 200
    assert ApiKey.objects.for_tenant(tenant).get().name == "Deploy"


def test_no_scopes_ticked_means_full_access(owner, client_for):
    create_via_console(client_for(owner), name="All")
    assert ApiKey.objects.get().scopes == ALL_SCOPES


def test_ticked_scopes_are_stored_in_canonical_order(owner, client_for):
    create_via_console(client_for(owner), name="Some", scopes=["usage:read", "keys:read"])
    assert ApiKey.objects.get().scopes == ["keys:read", "usage:read"]


def test_expiry_date_is_the_start_of_that_day_in_the_tenants_time_zone(tenant, owner, client_for):
    tenant.time_zone = "Europe/Berlin"
    tenant.save()
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        create_via_console(client_for(owner), name="Short", expires_on="2026-06-30")
    expected = dt.datetime(2026, 6, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    assert ApiKey.objects.get().expires_at == expected


def test_today_is_not_in_the_future(tenant, owner, client_for):
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        response = create_via_console(client_for(owner), name="Today", expires_on="2026-06-01")
    assert "Pick a date in the future." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_form_without_a_known_nonce_is_shown_again_not_created(owner, client_for):
    client = client_for(owner)
    response = client.post("/console/api-keys/new", {"name": "Stale", "kind": "user"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This form has expired" in html
    assert 'value="Stale"' in html
    assert not ApiKey.objects.exists()
    # The page carries a fresh nonce: submitting it again works.
    again = client.post(
        "/console/api-keys/new", {"name": "Stale", "kind": "user", "nonce": nonce_of(response)}
    )
    assert again.status_code == 200
    assert ApiKey.objects.get().name == "Stale"


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/console/api-keys/new")
    assert response.status_code == 302
    assert "/signin" in response["Location"]
