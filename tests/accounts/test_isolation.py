"""Another tenant's ids give 404, exactly like ids that do not exist."""

from __future__ import annotations

import pytest

from accounts import audit
from accounts.models import AuditAction, AuditEvent, Invitation, Membership
from accounts.roles import Role
from core.acting import Actor


@pytest.fixture
def foreign_ids(tenant, owner, member):
    invitation, _ = Invitation.create(tenant, "x@acme.test", Role.MEMBER, invited_by=owner)
    return {
        "membership": Membership.objects.get(user=member, tenant=tenant).pk,
        "invitation": invitation.pk,
    }


ID_URLS = [
    ("get", "/console/members/{membership}/remove"),
    ("post", "/console/members/{membership}/remove"),
    ("get", "/console/members/{membership}/transfer"),
    ("post", "/console/members/{membership}/transfer"),
    ("post", "/console/members/{membership}/role"),
    ("post", "/console/invitations/{invitation}/revoke"),
]


@pytest.mark.parametrize(("method", "url"), ID_URLS)
def test_another_tenants_ids_are_not_found(client_for, outsider, foreign_ids, method, url):
    client = client_for(outsider)
    before = list(Membership.objects.order_by("pk").values_list("pk", "role"))
    response = getattr(client, method)(url.format(**foreign_ids), {"role": "member"})
    assert response.status_code == 404
    assert list(Membership.objects.order_by("pk").values_list("pk", "role")) == before
    assert Invitation.objects.get(pk=foreign_ids["invitation"]).revoked_at is None


@pytest.mark.parametrize(("method", "url"), ID_URLS)
def test_missing_ids_are_not_found_the_same_way(client_for, owner, method, url):
    response = getattr(client_for(owner), method)(
        url.format(membership=999999, invitation=999999), {"role": "member"}
    )
    assert response.status_code == 404


def test_audit_log_shows_only_the_active_tenants_events(
    client_for, tenant, owner, outsider, other_tenant
):
    audit.record(Actor.system("acme-secret-actor"), tenant, AuditAction.TENANT_UPDATED)
    audit.record(Actor.system("globex-actor"), other_tenant, AuditAction.TENANT_UPDATED)
    page = client_for(outsider).get("/console/audit").content.decode()
    assert "globex-actor" in page
    assert "acme-secret-actor" not in page


def test_members_page_lists_only_the_active_tenants_members(client_for, owner, member, outsider):
    page = client_for(outsider).get("/console/members").content.decode()
    assert "owner@globex.test" in page
    assert "member@acme.test" not in page and "owner@acme.test" not in page


def test_audit_events_are_append_only(tenant):
    event = audit.record(Actor.system(), tenant, AuditAction.TENANT_UPDATED)
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_details_read_as_words_in_the_tenants_time_zone(client_for, owner, tenant):
    tenant.time_zone = "Asia/Tokyo"
    tenant.save()
    event = audit.record(
        Actor.system(),
        tenant,
        AuditAction.KEY_REGENERATED,
        grace_seconds=90000,
        scopes=["keys:read", "usage:read"],
    )
    page = client_for(owner).get("/console/audit").content.decode()
    assert "grace: 1 day 1 hour" in page
    assert "scopes: keys:read, usage:read" in page
    local = event.created_at.astimezone(tenant.tzinfo).strftime("%Y-%m-%d %H:%M:%S")
    assert local in page and "Times in Asia/Tokyo" in page
