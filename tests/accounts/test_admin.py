"""The Django admin: every model listed, searchable, audit read-only, no token digests."""

from __future__ import annotations

import pytest

from accounts import audit
from accounts.models import AuditAction, AuditEvent, Invitation
from accounts.roles import Role
from core.acting import Actor


@pytest.fixture
def staff(admin_client, tenant, owner, member):
    invitation, token = Invitation.create(tenant, "x@acme.test", Role.MEMBER, invited_by=owner)
    event = audit.record(Actor.system(), tenant, AuditAction.TENANT_UPDATED)
    return admin_client, invitation, token, event


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/user/?q=acme",
        "/admin/accounts/tenant/",
        "/admin/accounts/tenant/?is_active__exact=1",
        "/admin/accounts/membership/?role__exact=owner",
        "/admin/accounts/invitation/",
        "/admin/accounts/auditevent/?q=system",
    ],
)
def test_admin_lists_render(staff, url):
    client, *_ = staff
    assert client.get(url).status_code == 200


def test_invitation_admin_never_shows_the_token_or_its_digest(staff):
    client, invitation, token, _ = staff
    page = client.get(f"/admin/accounts/invitation/{invitation.pk}/change/").content.decode()
    assert "x@acme.test" in page
    assert token not in page and invitation.token_digest not in page


def test_audit_events_are_read_only_in_the_admin(staff):
    client, _, _, event = staff
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    response = client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    page = client.get(f"/admin/accounts/auditevent/{event.pk}/change/").content.decode()
    assert 'name="_save"' not in page
