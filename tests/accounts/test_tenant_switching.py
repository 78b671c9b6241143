"""The active tenant lives in the session and is re-checked on every request."""

from __future__ import annotations

from accounts.middleware import SESSION_KEY
from accounts.roles import Role
from conftest import join, make_tenant


def test_switching_to_a_tenant_you_belong_to(client_for, owner, tenant):
    second = make_tenant("Initech")
    join(owner, second, Role.MEMBER)
    client = client_for(owner)
    response = client.post("/console/switch", {"tenant": second.pk, "next": "/console/members"})
    assert response.status_code == 302 and response["Location"] == "/console/members"
    assert client.session[SESSION_KEY] == second.pk
    page = client.get("/console/").content.decode()
    assert "<h1>Initech</h1>" in page


def test_switching_to_a_tenant_you_do_not_belong_to_is_refused(
    client_for, owner, tenant, other_tenant
):
    client = client_for(owner)
    client.get("/console/")
    response = client.post("/console/switch", {"tenant": other_tenant.pk})
    assert response.status_code == 404
    assert client.session[SESSION_KEY] == tenant.pk


def test_switch_rejects_garbage_and_foreign_redirects(client_for, owner, tenant):
    client = client_for(owner)
    assert client.post("/console/switch", {"tenant": "abc"}).status_code == 404
    response = client.post("/console/switch", {"tenant": tenant.pk, "next": "https://evil.test/"})
    assert response["Location"] == "/console/"
    # A GET (a reload, a typed address) goes to a page, never a bare 405.
    assert client.get("/console/switch")["Location"] == "/console/"
    assert client.put("/console/switch").status_code == 405


def test_a_foreign_tenant_in_the_session_falls_back_to_your_own(
    client_for, owner, tenant, other_tenant
):
    client = client_for(owner)
    session = client.session
    session[SESSION_KEY] = other_tenant.pk
    session.save()
    page = client.get("/console/").content.decode()
    assert "<h1>Acme</h1>" in page and "Globex" not in page
    assert client.session[SESSION_KEY] == tenant.pk


def test_a_removed_member_loses_access_on_their_next_request(client_for, owner, member, tenant):
    member_client = client_for(member)
    assert "owner@acme.test" in member_client.get("/console/members").content.decode()
    membership = member.memberships.get(tenant=tenant)
    client_for(owner).post(f"/console/members/{membership.pk}/remove")
    response = member_client.get("/console/members")
    assert response.status_code == 302 and response["Location"] == "/console/tenants/new"
    page = member_client.get("/console/tenants/new").content.decode()
    assert "Acme" not in page and "owner@acme.test" not in page


def test_an_inactive_tenant_is_invisible_to_its_members(client_for, owner, tenant):
    client = client_for(owner)
    tenant.is_active = False
    tenant.save()
    assert client.get("/console/members")["Location"] == "/console/tenants/new"


def test_a_deactivated_user_is_signed_out(client_for, owner):
    client = client_for(owner)
    owner.is_active = False
    owner.save()
    assert client.get("/console/").status_code == 302
    assert client.get("/console/")["Location"].startswith("/signin")


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/console/members")
    assert response.status_code == 302
    assert response["Location"] == "/signin?next=/console/members"


def test_creating_another_tenant_makes_you_its_owner_and_switches_to_it(client_for, member):
    client = client_for(member)
    response = client.post("/console/tenants/new", {"name": "Side project"}, follow=True)
    assert "<h1>Side project</h1>" in response.content.decode()
    assert member.memberships.get(tenant__name="Side project").role == Role.OWNER
