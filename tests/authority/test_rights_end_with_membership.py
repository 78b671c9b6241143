"""What a person could do ends with their rights: keys never come back, and invitations
are checked against what their sender may still grant."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import memberships
from accounts.models import AuditAction, AuditEvent, Invitation, Membership, Tenant, User
from accounts.roles import Role
from apikeys.models import ApiKey
from conftest import join, make_user
from core.acting import Actor
from tests.api.conftest import ApiClient, mint

ACTOR = Actor.system("test")


def whoami(raw: str) -> tuple[int, str | None]:
    response = ApiClient(raw).get("/api/v1/whoami")
    body = response.json()
    return response.status_code, body.get("error", {}).get("code") or body.get("role")


def state_in_console_list(client: Client, key: ApiKey) -> str:
    """The badge the key's row shows in the console list."""
    page = client.get("/console/api-keys").content.decode()
    row = page[page.index(key.masked) :]
    row = row[: row.index("</tr>")]
    for badge in ("Active", "Expired", "Revoked", "Inactive"):
        if f">{badge}</span>" in row:
            return badge
    raise AssertionError("no state badge in the key's row")


def test_a_removed_member_reinvited_as_admin_gets_no_key_back(
    tenant: Tenant, owner: User, member: User, client_for
) -> None:
    key, raw = mint(tenant, member, name="laptop")
    assert whoami(raw) == (200, "member")
    by = Membership.objects.get(user=owner, tenant=tenant)
    memberships.remove(ACTOR, by, Membership.objects.get(user=member, tenant=tenant))
    assert whoami(raw) == (401, "revoked_key")
    revoked = AuditEvent.objects.get(action=AuditAction.KEY_REVOKED, target_id=str(key.pk))
    assert revoked.details == {"reason": "member removed"}

    _, token = memberships.invite(ACTOR, by, member.email, Role.ADMIN)
    memberships.accept_invitation(ACTOR, token, member)
    assert Membership.objects.get(user=member, tenant=tenant).role == Role.ADMIN
    assert whoami(raw) == (401, "revoked_key")
    assert state_in_console_list(client_for(owner), key) == "Revoked"


def test_a_member_who_leaves_has_their_keys_revoked(tenant, owner, member) -> None:
    key, raw = mint(tenant, member, name="laptop")
    memberships.leave(ACTOR, Membership.objects.get(user=member, tenant=tenant))
    assert whoami(raw) == (401, "revoked_key")
    revoked = AuditEvent.objects.get(action=AuditAction.KEY_REVOKED, target_id=str(key.pk))
    assert revoked.details == {"reason": "member left"}


def test_a_membership_deleted_behind_the_services_back_leaves_the_key_inactive_forever(
    tenant, owner, member, client_for
) -> None:
    """However a membership disappears, the key it was made under never works again."""
    key, raw = mint(tenant, member, name="laptop")
    Membership.objects.filter(user=member, tenant=tenant).delete()
    assert whoami(raw) == (401, "revoked_key")
    assert state_in_console_list(client_for(owner), key) == "Inactive"
    join(member, tenant, Role.ADMIN)
    assert whoami(raw) == (401, "revoked_key")
    assert state_in_console_list(client_for(owner), key) == "Inactive"
    listed = ApiClient(mint(tenant, owner, name="reader")[1]).get(f"/api/v1/keys/{key.public_id}")
    assert listed.json()["state"] == "inactive"


def test_an_inactive_organisation_shows_its_keys_inactive(tenant, owner, other_tenant) -> None:
    key, raw = mint(tenant, None, name="ci")
    Tenant.objects.filter(pk=tenant.pk).update(is_active=False)
    assert whoami(raw) == (401, "revoked_key")
    assert ApiKey.objects.with_state().get(pk=key.pk).state == "inactive"


def test_deactivating_a_user_in_the_admin_revokes_their_keys_everywhere(
    admin_client, tenant, other_tenant, member
) -> None:
    join(member, other_tenant, Role.MEMBER)
    _, raw_here = mint(tenant, member, name="laptop")
    _, raw_there = mint(other_tenant, member, name="laptop")
    page = admin_client.get(f"/admin/accounts/user/{member.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(is_active="", is_staff="", is_superuser="", groups=[])
    data.pop("password", None)
    response = admin_client.post(f"/admin/accounts/user/{member.pk}/change/", data)
    assert response.status_code == 302, response.content
    member.refresh_from_db()
    assert not member.is_active
    assert whoami(raw_here) == whoami(raw_there) == (401, "revoked_key")
    reasons = AuditEvent.objects.filter(action=AuditAction.KEY_REVOKED).values_list(
        "details", flat=True
    )
    assert list(reasons) == [{"reason": "user deactivated"}] * 2


def test_an_invitation_from_an_admin_who_was_removed_cannot_be_accepted(
    tenant, owner, admin
) -> None:
    by_admin = Membership.objects.get(user=admin, tenant=tenant)
    invitation, token = memberships.invite(ACTOR, by_admin, "planted@example.com", Role.ADMIN)
    memberships.remove(ACTOR, Membership.objects.get(user=owner, tenant=tenant), by_admin)
    invitation.refresh_from_db()
    assert invitation.state == "revoked"
    withdrawn = AuditEvent.objects.get(action=AuditAction.INVITATION_REVOKED)
    assert withdrawn.details == {"reason": "inviter left"}
    planted = make_user("planted@example.com")
    with pytest.raises(memberships.InvitationRefused):
        memberships.accept_invitation(ACTOR, token, planted)
    assert not Membership.objects.filter(user=planted).exists()


def test_an_admin_demoted_to_member_loses_their_pending_invitations(tenant, owner, admin) -> None:
    by_admin = Membership.objects.get(user=admin, tenant=tenant)
    invitation, _ = memberships.invite(ACTOR, by_admin, "new@example.com", Role.MEMBER)
    memberships.change_role(
        ACTOR, Membership.objects.get(user=owner, tenant=tenant), by_admin, Role.MEMBER
    )
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_acceptance_rechecks_the_inviter_even_if_the_invitation_was_not_withdrawn(
    tenant, owner, admin
) -> None:
    """Belt and braces: an invitation whose inviter lost the right (say, demoted in a
    way that skipped the services) is refused when someone tries to use it."""
    by_admin = Membership.objects.get(user=admin, tenant=tenant)
    _, token = memberships.invite(ACTOR, by_admin, "late@example.com", Role.ADMIN)
    Membership.objects.filter(pk=by_admin.pk).update(role=Role.MEMBER)
    late = make_user("late@example.com")
    with pytest.raises(memberships.InvitationRefused, match="can no longer grant that role"):
        memberships.accept_invitation(ACTOR, token, late)
    assert Invitation.objects.get().accepted_at is None


def test_staff_removing_a_member_in_the_admin_revokes_their_keys(
    admin_client, tenant, owner, member
) -> None:
    key, raw = mint(tenant, member, name="laptop")
    membership = Membership.objects.get(user=member, tenant=tenant)
    url = f"/admin/accounts/membership/{membership.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert whoami(raw) == (401, "revoked_key")
    key.refresh_from_db()
    assert key.revoked_by.startswith("staff: ")


def test_staff_cannot_delete_the_last_owner(admin_client, tenant, owner) -> None:
    membership = Membership.objects.get(user=owner, tenant=tenant)
    url = f"/admin/accounts/membership/{membership.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()
