"""Hostile text that is legitimately accepted (an organisation or key name is free text) is
stored as given and escaped on every page that shows it, the admin included."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils.html import escape

from accounts.models import AuditEvent, Tenant, User
from apikeys.models import ApiKey, Kind, create_key
from usage.flows import create_flow

PAYLOADS = {
    "script": "<script>alert('kw')</script>",
    "attribute-break": '"><img src=x onerror=alert(1)>',
    "svg": "<svg/onload=alert(1)>",
    "rtl-override-with-markup": "\u202e<b>evil</b>",
    "emoji-with-markup": "🔑<i>🔥</i>",
    "template-syntax": "{{ request.user.password }}{% debug %}<u>x</u>",
    "entity": "&lt;b&gt;pre-escaped&lt;/b&gt;<b>",
}


def pages_showing_names(tenant: Tenant, key: ApiKey) -> list[str]:
    return [
        "/console/",
        "/console/members",
        "/console/settings",
        "/console/audit",
        "/console/api-keys",
        "/console/usage",
        f"/console/api-keys/{key.public_id}/revoke",
        "/admin/accounts/tenant/",
        f"/admin/accounts/tenant/{tenant.pk}/change/",
        "/admin/accounts/auditevent/",
        "/admin/apikeys/apikey/",
        f"/admin/apikeys/apikey/{key.pk}/change/",
    ]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_names_are_stored_as_given_and_escaped_on_every_page(
    payload: str, tenant: Tenant, owner: User, client_for: Callable[[User], Client]
) -> None:
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client = client_for(owner)
    response = client.post("/console/settings", {"name": payload, "time_zone": "UTC"})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.name == payload
    assert AuditEvent.objects.filter(tenant=tenant, details__name=payload).exists()
    key, _ = create_key(tenant=tenant, kind=Kind.TEAM, name=payload[:100])
    ApiKey.objects.filter(pk=key.pk).update(description=payload)
    create_flow(tenant, payload[:100])

    for url in pages_showing_names(tenant, key):
        page = client.get(url)
        assert page.status_code == 200, url
        body = page.content.decode()
        assert payload not in body, f"{url} shows the name unescaped"
        assert escape(payload) in body or escape(payload[:100]) in body, f"{url} lost it"
