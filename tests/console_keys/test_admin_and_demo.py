"""The key admin (masked, never the digest, revoke action) and the demo command's keys."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.db.models import Q

from accounts.models import AuditAction, AuditEvent
from apikeys.models import ApiKey
from tests.console_keys.conftest import team_key, user_key

CHANGELIST = "/admin/apikeys/apikey/"


def test_changelist_and_change_page_show_the_masked_key_never_the_digest(
    tenant, owner, admin_client
):
    key = user_key(tenant, owner, "Laptop")
    regenerated_from = user_key(tenant, owner, "Rolled")
    ApiKey.objects.filter(pk=regenerated_from.pk).update(previous_digest="f" * 64)
    listing = admin_client.get(CHANGELIST)
    change = admin_client.get(f"{CHANGELIST}{key.pk}/change/")
    for response in (listing, change):
        html = response.content.decode()
        assert response.status_code == 200
        assert key.masked in html
        assert key.digest not in html and "f" * 64 not in html
        assert "digest" not in html.lower()
    assert "owner@acme.test" in listing.content.decode()
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_state_filter_and_search(tenant, other_tenant, owner, admin_client):
    past = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    user_key(tenant, owner, "Alive")
    user_key(tenant, owner, "Gone", revoked_at=past)
    team_key(other_tenant, "Stale", expires_at=past)

    def names(query: str) -> set[str]:
        response = admin_client.get(CHANGELIST + query)
        return {k.name for k in response.context["cl"].result_list}

    assert names("?state=active") == {"Alive"}
    assert names("?state=revoked") == {"Gone"}
    assert names("?state=expired") == {"Stale"}
    assert names("?q=globex") == {"Stale"}
    assert names("?q=owner@acme") == {"Alive", "Gone"}
    assert names(f"?tenant__id__exact={other_tenant.pk}") == {"Stale"}


def test_revoke_action_revokes_and_audits_as_staff(tenant, owner, admin_client, admin_user):
    live, other = user_key(tenant, owner, "Laptop"), team_key(tenant, "CI")
    response = admin_client.post(
        CHANGELIST,
        {"action": "revoke_selected", "_selected_action": [live.pk, other.pk]},
        follow=True,
    )
    assert "Revoked 2 key(s)." in response.content.decode()
    assert not ApiKey.objects.with_state().filter(Q(key_state="active")).exists()
    events = AuditEvent.objects.filter(action=AuditAction.KEY_REVOKED)
    assert {e.target_id for e in events} == {str(live.pk), str(other.pk)}
    assert {e.actor_label for e in events} == {f"staff: {admin_user.email}"}
    assert {e.actor_user for e in events} == {admin_user}
    live.refresh_from_db()
    assert live.revoked_by == f"staff: {admin_user.email}"


def test_admin_offers_no_bulk_delete(tenant, admin_client):
    team_key(tenant, "CI")
    html = admin_client.get(CHANGELIST).content.decode()
    assert "revoke_selected" in html and "delete_selected" not in html


def test_demo_keys_are_idempotent_and_print_no_secret(demo):
    first, second = io.StringIO(demo), io.StringIO()
    keys = sorted(ApiKey.objects.values_list("tenant__slug", "name", "digest", "revoked_at"))
    events = AuditEvent.objects.count()
    call_command("demo", stdout=second)
    assert (
        sorted(ApiKey.objects.values_list("tenant__slug", "name", "digest", "revoked_at")) == keys
    )
    assert AuditEvent.objects.count() == events
    assert "API keys: 5 in Acme, 1 in Globex (6 new)" in first.getvalue()
    assert "(0 new)" in second.getvalue()
    for output in (first.getvalue(), second.getvalue()):
        assert "kw_user_" not in output and "kw_team_" not in output
    states = {k.name: k.state for k in ApiKey.objects.all()}
    assert states["Old laptop"] == "revoked" and states["Contractor audit"] == "expired"
    assert states["Local development"] == states["CI deploy"] == "active"
