"""The overview is the organisation's front page: usage at a glance, keys that need a look,
members and, for admins, the latest audit events. A fresh organisation is shown how to start."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apikeys.attention import keys_needing_attention
from apikeys.models import ApiKey, Kind, create_key
from core.acting import Principal


def card(html: str, name: str) -> str | None:
    found = re.search(rf'data-card="{name}">([^<]*)<', html)
    return found.group(1) if found else None


@pytest.fixture
def demo(db: None) -> None:
    call_command("demo", stdout=StringIO())


def signed_in(email: str) -> Client:
    client = Client()
    assert client.login(username=email, password="keyward-demo")
    return client


def test_a_fresh_organisation_is_shown_how_to_start(client_for, owner) -> None:
    html = client_for(owner).get("/console/").content.decode()
    assert "No executions yet: here is how to start" in html
    assert "http://testserver/api/v1/flows" in html
    assert "0 live keys" in html and 'href="/console/api-keys/new"' in html
    assert card(html, "members") == "1"
    assert "Recent activity" in html  # the owner sees the audit panel, empty so far
    assert "Nothing has happened yet." in html


def test_acme_shows_its_usage_keys_to_look_at_and_recent_events_to_its_owner(demo) -> None:
    soon = create_key(
        tenant=ApiKey.objects.get(name="CI deploy").tenant,
        kind=Kind.TEAM,
        name="Expiring webhook",
        expires_at=timezone.now() + timedelta(days=3),
    )[0]
    html = signed_in("owner@acme.test").get("/console/").content.decode()
    assert card(html, "executions") not in (None, "0")
    assert re.match(r"\d+\.\d%$", card(html, "success-rate") or "")
    assert html.count('class="sparkline-bar"') >= 25
    assert "Expiring webhook" in html and soon.masked in html
    assert "Recent activity" in html and "API key created" in html
    assert 'href="/console/audit"' in html and 'href="/console/usage"' in html
    assert "No executions yet" not in html


def test_a_member_sees_only_their_own_keys_and_no_audit_events(demo) -> None:
    html = signed_in("member@acme.test").get("/console/").content.decode()
    assert "1 live key of yours" in html  # Notebook; the team keys are not theirs
    assert "Recent activity" not in html and "API key created" not in html
    assert card(html, "executions") not in (None, "0")  # every member sees the usage


def test_the_overview_shows_nothing_of_another_organisation(demo) -> None:
    html = signed_in("owner@globex.test").get("/console/").content.decode()
    assert "CI deploy" not in html and "owner@acme.test" not in html
    assert "Acme" not in html


def test_idle_and_expiring_keys_are_listed_soonest_and_longest_idle_first(tenant, owner) -> None:
    now = timezone.now()

    def key(name: str, **fields) -> ApiKey:
        made = create_key(tenant=tenant, kind=Kind.TEAM, name=name)[0]
        ApiKey.objects.filter(pk=made.pk).update(**fields)
        return made

    key("Fresh")
    key("Used lately", last_used_at=now - timedelta(days=10), created_at=now - timedelta(days=400))
    key("Idle", last_used_at=now - timedelta(days=120))
    key("Idler", last_used_at=now - timedelta(days=200))
    key("Never used", created_at=now - timedelta(days=100))
    key("In a week", expires_at=now + timedelta(days=7))
    key("Tomorrow", expires_at=now + timedelta(days=1))
    key("In a month", expires_at=now + timedelta(days=30))
    key("Expired", expires_at=now - timedelta(days=1))
    key("Revoked", revoked_at=now, last_used_at=now - timedelta(days=300))

    found = keys_needing_attention(Principal.of_membership(owner.memberships.get()))
    assert [k.name for k in found.expiring] == ["Tomorrow", "In a week"]
    assert [k.name for k in found.idle] == ["Idler", "Idle", "Never used"]


def test_a_member_is_shown_only_their_own_keys_needing_attention(tenant, owner, member) -> None:
    soon = timezone.now() + timedelta(days=2)
    create_key(tenant=tenant, kind=Kind.TEAM, name="Team", expires_at=soon)
    create_key(tenant=tenant, kind=Kind.USER, name="Mine", user=member, expires_at=soon)
    found = keys_needing_attention(Principal.of_membership(member.memberships.get()))
    assert [k.name for k in found.expiring] == ["Mine"]
