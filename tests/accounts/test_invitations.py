"""Invitations: one-time links stored as digests, with clear refusals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Membership, User
from accounts.roles import Role
from conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def invite(client, email: str = "new@acme.test", role: str = "member") -> str:
    """Invite through the console and return the link from the e-mail."""
    mail.outbox.clear()
    response = client.post("/console/members/invite", {"email": email, "role": role})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [email]
    match = re.search(r"http://testserver(/invitations/\S+)", str(mail.outbox[0].body))
    assert match, mail.outbox[0].body
    return match.group(1)


def test_a_new_person_signs_up_through_the_link_and_joins(client, client_for, owner, tenant):
    link = invite(client_for(owner), role="admin")
    page = client.get(link).content.decode()
    assert "Join Acme" in page and "new@acme.test" in page
    response = client.post(link, {"email": "new@acme.test", "password": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email="new@acme.test")
    assert Membership.objects.get(user=user, tenant=tenant).role == Role.ADMIN
    assert "Acme" in client.get("/console/").content.decode()
    actions = list(AuditEvent.objects.for_tenant(tenant).values_list("action", flat=True))
    assert actions[:2] == ["member.joined", "member.invited"]


def test_an_existing_user_accepts_while_signed_in(client_for, owner, outsider, tenant):
    link = invite(client_for(owner), email=outsider.email)
    outsider_client = client_for(outsider)
    assert "Accept invitation" in outsider_client.get(link).content.decode()
    outsider_client.post(link)
    assert Membership.objects.filter(user=outsider, tenant=tenant, role=Role.MEMBER).exists()


def test_a_link_works_once(client, client_for, owner):
    link = invite(client_for(owner))
    client.post(link, {"email": "new@acme.test", "password": PASSWORD})
    again = client_for(User.objects.get(email="new@acme.test")).get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_an_expired_link_is_refused(client, client_for, owner):
    link = invite(client_for(owner))
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.get(link)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        client.post(link, {"email": "new@acme.test", "password": PASSWORD})
    assert not User.objects.filter(email="new@acme.test").exists()


def test_a_withdrawn_link_is_refused(client, client_for, owner, tenant):
    owner_client = client_for(owner)
    link = invite(owner_client)
    invitation = Invitation.objects.for_tenant(tenant).get()
    owner_client.post(f"/console/invitations/{invitation.pk}/revoke")
    response = client.get(link)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()


def test_the_wrong_signed_in_user_is_told_who_the_link_is_for(client_for, owner, outsider, tenant):
    link = invite(client_for(owner), email="someone.else@acme.test")
    response = client_for(outsider).post(link)
    assert response.status_code == 410
    text = response.content.decode()
    assert "someone.else@acme.test" in text and outsider.email in text
    assert not Membership.objects.filter(user=outsider, tenant=tenant).exists()


def test_signing_up_with_another_address_through_the_link_is_refused(client, client_for, owner):
    link = invite(client_for(owner))
    response = client.post(link, {"email": "other@acme.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "This invitation is for new@acme.test" in response.content.decode()
    assert not User.objects.filter(email="other@acme.test").exists()


def test_an_unknown_token_is_refused(client):
    response = client.get("/invitations/not-a-real-token")
    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_the_token_is_stored_only_as_a_digest(client_for, owner, tenant):
    link = invite(client_for(owner))
    token = link.rsplit("/", 1)[1]
    invitation = Invitation.objects.for_tenant(tenant).get()
    assert invitation.token_digest != token and len(invitation.token_digest) == 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_invitation")
        rows = cursor.fetchall()
    assert token not in repr(rows)
    events = AuditEvent.objects.for_tenant(tenant).values_list("details", "target_label")
    assert token not in repr(list(events))


def test_inviting_an_existing_member_is_a_form_error(client_for, owner, member):
    response = client_for(owner).post(
        "/console/members/invite", {"email": "MEMBER@acme.test", "role": "member"}
    )
    assert response.status_code == 200
    assert "member@acme.test is already a member" in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_again_replaces_the_pending_invitation(client_for, owner, tenant):
    client = client_for(owner)
    first = invite(client)
    second = invite(client)
    assert first != second
    pending = Invitation.objects.for_tenant(tenant).pending()
    assert pending.count() == 1


@pytest.mark.parametrize("bad", ["", "not-an-email", "a@b", "x" * 300 + "@acme.test"])
def test_bad_invitation_addresses_are_form_errors(client_for, owner, bad):
    response = client_for(owner).post("/console/members/invite", {"email": bad, "role": "member"})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_an_owner(client_for, owner, admin):
    response = client_for(admin).post(
        "/console/members/invite", {"email": "boss@acme.test", "role": "owner"}
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_a_signed_in_member_already_in_the_tenant_is_told_so(client_for, owner, tenant):
    existing = make_user("twice@acme.test")
    link = invite(client_for(owner), email="twice@acme.test")
    Membership.objects.create(user=existing, tenant=tenant, role=Role.MEMBER)
    response = client_for(existing).get(link)
    assert response.status_code == 410
    assert "already a member" in response.content.decode()
