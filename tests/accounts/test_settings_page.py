"""Tenant settings: owners rename the tenant and set its time zone."""

from __future__ import annotations

from accounts.models import AuditEvent


def test_owner_renames_the_tenant_and_sets_its_time_zone(client_for, owner, tenant):
    response = client_for(owner).post(
        "/console/settings", {"name": "Acme Corp", "time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.name, tenant.time_zone) == ("Acme Corp", "Europe/Berlin")
    event = AuditEvent.objects.for_tenant(tenant).get(action="tenant.updated")
    assert event.details == {"name": "Acme Corp", "time_zone": "Europe/Berlin"}


def test_an_unknown_time_zone_is_a_form_error(client_for, owner, tenant):
    response = client_for(owner).post(
        "/console/settings", {"name": "Acme", "time_zone": "Mars/Olympus_Mons"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.time_zone == "UTC"


def test_an_empty_name_is_a_form_error(client_for, owner, tenant):
    response = client_for(owner).post("/console/settings", {"name": "  ", "time_zone": "UTC"})
    assert response.status_code == 200
    tenant.refresh_from_db()
    assert tenant.name == "Acme"


def test_saving_unchanged_settings_writes_no_audit_event(client_for, owner, tenant):
    client_for(owner).post("/console/settings", {"name": "Acme", "time_zone": "UTC"})
    assert not AuditEvent.objects.for_tenant(tenant).filter(action="tenant.updated").exists()


def test_members_see_the_settings_read_only(client_for, member):
    page = client_for(member).get("/console/settings").content.decode()
    assert "Only owners can change these settings." in page
    assert "disabled" in page
    assert "Save settings" not in page


def test_changing_the_time_zone_sends_the_rebuild_signal(client_for, owner, tenant):
    from accounts.signals import tenant_time_zone_changed

    received = []

    def receiver(sender, tenant, **kwargs):
        received.append(tenant.time_zone)

    tenant_time_zone_changed.connect(receiver)
    try:
        client_for(owner).post("/console/settings", {"name": "Acme", "time_zone": "Asia/Tokyo"})
        client_for(owner).post("/console/settings", {"name": "Acme 2", "time_zone": "Asia/Tokyo"})
    finally:
        tenant_time_zone_changed.disconnect(receiver)
    assert received == ["Asia/Tokyo"]
