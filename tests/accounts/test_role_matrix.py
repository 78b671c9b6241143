"""Every members/settings/audit action for owner, admin, member and an outsider: the allowed
result, or 403/404 with nothing changed in the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEvent, Invitation, Membership, Tenant, User
from accounts.roles import Role
from conftest import join, make_user


def snapshot() -> list[Any]:
    """Everything an action could change."""
    return [
        sorted(Membership.objects.values_list("id", "user_id", "tenant_id", "role")),
        sorted(Invitation.objects.values_list("id", "email", "revoked_at", "accepted_at")),
        sorted(Tenant.objects.values_list("id", "name", "time_zone")),
        AuditEvent.objects.count(),
    ]


@pytest.fixture
def world(tenant, owner, admin, member, outsider, client_for):
    invitation, _ = Invitation.create(tenant, "new@acme.test", Role.MEMBER, invited_by=owner)
    peer = make_user("peer@acme.test")
    join(peer, tenant, Role.MEMBER)
    actors = {"owner": owner, "admin": admin, "member": member, "outsider": outsider}
    return {
        "tenant": tenant,
        "invitation": invitation,
        "ms": {
            name: Membership.objects.get(user=u, tenant=tenant)
            for name, u in {**actors, "peer": peer}.items()
            if name != "outsider"
        },
        "client": {name: client_for(u) for name, u in actors.items()},
    }


def m(world, who: str) -> int:
    return world["ms"][who].pk


# (action name, request, {actor: expected status}); 302 means it was done.
ACTIONS: list[tuple[str, Callable[[Client, dict], Any], dict[str, int]]] = [
    (
        "invite",
        lambda c, w: c.post("/console/members/invite", {"email": "x@acme.test", "role": "member"}),
        {"owner": 302, "admin": 302, "member": 403},
    ),
    (
        "promote member to admin",
        lambda c, w: c.post(f"/console/members/{m(w, 'peer')}/role", {"role": "admin"}),
        {"owner": 302, "admin": 302, "member": 403, "outsider": 404},
    ),
    (
        "demote admin to member",
        lambda c, w: c.post(f"/console/members/{m(w, 'admin')}/role", {"role": "member"}),
        {"owner": 302, "member": 403, "outsider": 404},
    ),
    (
        "demote owner",
        lambda c, w: c.post(f"/console/members/{m(w, 'owner')}/role", {"role": "member"}),
        {"admin": 403, "member": 403, "outsider": 404},
    ),
    (
        "remove member",
        lambda c, w: c.post(f"/console/members/{m(w, 'peer')}/remove"),
        {"owner": 302, "admin": 302, "member": 403, "outsider": 404},
    ),
    (
        "remove owner",
        lambda c, w: c.post(f"/console/members/{m(w, 'owner')}/remove"),
        {"admin": 403, "member": 403, "outsider": 404},
    ),
    (
        "remove-member page",
        lambda c, w: c.get(f"/console/members/{m(w, 'peer')}/remove"),
        {"owner": 200, "admin": 200, "member": 403, "outsider": 404},
    ),
    (
        "transfer ownership",
        lambda c, w: c.post(f"/console/members/{m(w, 'peer')}/transfer"),
        {"owner": 302, "admin": 403, "member": 403, "outsider": 404},
    ),
    (
        "transfer page",
        lambda c, w: c.get(f"/console/members/{m(w, 'peer')}/transfer"),
        {"owner": 200, "admin": 403, "member": 403, "outsider": 404},
    ),
    (
        "withdraw invitation",
        lambda c, w: c.post(f"/console/invitations/{w['invitation'].pk}/revoke"),
        {"owner": 302, "admin": 302, "member": 403, "outsider": 404},
    ),
    (
        "change settings",
        lambda c, w: c.post("/console/settings", {"name": "Renamed", "time_zone": "Asia/Tokyo"}),
        {"owner": 302, "admin": 403, "member": 403},
    ),
    (
        "read audit log",
        lambda c, w: c.get("/console/audit"),
        {"owner": 200, "admin": 200, "member": 403},
    ),
    (
        "read members",
        lambda c, w: c.get("/console/members"),
        {"owner": 200, "admin": 200, "member": 200},
    ),
    (
        "read settings",
        lambda c, w: c.get("/console/settings"),
        {"owner": 200, "admin": 200, "member": 200},
    ),
]

CASES = [
    pytest.param(action, actor, expected, id=f"{actor}-{name}")
    for name, action, outcomes in ACTIONS
    for actor, expected in outcomes.items()
]


@pytest.mark.parametrize(("action", "actor", "expected"), CASES)
def test_role_matrix(world, action, actor, expected):
    before = snapshot()
    response = action(world["client"][actor], world)
    assert response.status_code == expected
    if expected in (403, 404) or response.request["REQUEST_METHOD"] == "GET":
        assert snapshot() == before, "a refused or read-only request changed the database"
    else:
        assert snapshot() != before, "an allowed action changed nothing"


def test_outsider_actions_without_ids_only_touch_their_own_tenant(world, other_tenant):
    acme_before = Membership.objects.filter(tenant=world["tenant"]).count()
    outsider = world["client"]["outsider"]
    outsider.post("/console/settings", {"name": "Hacked", "time_zone": "UTC"})
    outsider.post("/console/members/invite", {"email": "y@acme.test", "role": "member"})
    world["tenant"].refresh_from_db()
    assert world["tenant"].name == "Acme"
    assert Membership.objects.filter(tenant=world["tenant"]).count() == acme_before
    assert not Invitation.objects.filter(tenant=world["tenant"], email="y@acme.test").exists()
    assert Invitation.objects.filter(tenant=other_tenant, email="y@acme.test").exists()


def test_members_cannot_see_the_invite_form_or_pending_invitations(world):
    page = world["client"]["member"].get("/console/members").content.decode()
    assert "Invite a member" not in page
    assert "new@acme.test" not in page
    admin_page = world["client"]["admin"].get("/console/members").content.decode()
    assert "Invite a member" in admin_page and "new@acme.test" in admin_page


def test_admin_cannot_grant_the_owner_role(world):
    response = world["client"]["admin"].post(
        f"/console/members/{m(world, 'member')}/role", {"role": "owner"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=m(world, "member")).role == Role.MEMBER


def test_transfer_makes_the_target_owner_and_the_old_owner_admin(world, owner, member):
    world["client"]["owner"].post(f"/console/members/{m(world, 'member')}/transfer")
    assert Membership.objects.get(pk=m(world, "member")).role == Role.OWNER
    assert Membership.objects.get(pk=m(world, "owner")).role == Role.ADMIN


def test_the_last_owner_can_neither_leave_nor_be_demoted(world, owner):
    client = world["client"]["owner"]
    response = client.post("/console/members/leave", follow=True)
    assert "at least one owner" in response.content.decode()
    assert Membership.objects.filter(pk=m(world, "owner")).exists()
    # An owner can give the role away only while another owner remains.
    Membership.objects.filter(pk=m(world, "admin")).update(role=Role.OWNER)
    client.post(f"/console/members/{m(world, 'admin')}/role", {"role": "member"})
    assert Membership.objects.get(pk=m(world, "admin")).role == Role.MEMBER
    response = client.post("/console/members/leave", follow=True)
    assert "at least one owner" in response.content.decode()


def test_anyone_but_the_last_owner_may_leave(world, member):
    response = world["client"]["member"].post("/console/members/leave")
    assert response.status_code == 302
    assert not Membership.objects.filter(user=member, tenant=world["tenant"]).exists()
    event = AuditEvent.objects.for_tenant(world["tenant"]).first()
    assert event is not None and event.action == "member.left"


def test_member_actions_are_audited_with_actor_target_and_ip(world, admin, member):
    world["client"]["admin"].post(
        f"/console/members/{m(world, 'member')}/role", {"role": "admin"}, REMOTE_ADDR="203.0.113.9"
    )
    event = AuditEvent.objects.for_tenant(world["tenant"]).get(action="member.role_changed")
    assert event.actor_user == admin
    assert event.target_label == member.email
    assert event.ip == "203.0.113.9"
    assert event.details == {"old": "member", "new": "admin"}


def test_unknown_role_is_refused_without_change(world):
    world["client"]["owner"].post(f"/console/members/{m(world, 'member')}/role", {"role": "god"})
    assert Membership.objects.get(pk=m(world, "member")).role == Role.MEMBER


def test_removed_users_are_not_left_dangling(world, member):
    world["client"]["owner"].post(f"/console/members/{m(world, 'member')}/remove")
    assert User.objects.filter(pk=member.pk).exists(), "removing a member keeps the account"
