"""Demo keys for `manage.py demo`: live, revoked and expired. Idempotent: a key is found by
(tenant, name) and left alone if it exists. No secret is printed: nobody needs the demo
keys' secrets; a user creates their own key in the console."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TextIO

from django.utils import timezone

from accounts import audit
from accounts.models import AuditAction, Tenant, User
from apikeys.models import ApiKey, KeySighting, Kind, create_key
from core.acting import Actor

DEMO_ACTOR = Actor.system("manage.py demo")
DEMO_USER_AGENT = "curl/8.5.0"


@dataclass(frozen=True)
class DemoKey:
    tenant: str
    name: str
    kind: str
    owner: str | None = None
    description: str = ""
    scopes: list[str] = field(default_factory=list)
    # Offsets from now, in days.
    created: int = -20
    expires: int | None = None
    revoked: int | None = None
    used: int | None = None


DEMO_KEYS = [
    DemoKey(
        "acme",
        "Local development",
        Kind.USER,
        "owner@acme.test",
        "Ada's laptop, for trying the API.",
        used=-1,
    ),
    DemoKey(
        "acme",
        "CI deploy",
        Kind.TEAM,
        None,
        "Deploys flows from the main branch.",
        scopes=["flows:read", "flows:write", "flows:invoke", "executions:read"],
        created=-40,
        expires=180,
        used=0,
    ),
    DemoKey(
        "acme",
        "Old laptop",
        Kind.USER,
        "owner@acme.test",
        "Replaced in the spring.",
        created=-90,
        revoked=-30,
        used=-31,
    ),
    DemoKey(
        "acme",
        "Contractor audit",
        Kind.TEAM,
        None,
        "Read-only access for an audit.",
        scopes=["executions:read", "usage:read"],
        created=-60,
        expires=-5,
        used=-6,
    ),
    DemoKey(
        "acme",
        "Notebook",
        Kind.USER,
        "member@acme.test",
        "Usage reports.",
        scopes=["usage:read", "executions:read"],
        created=-10,
    ),
    DemoKey(
        "globex",
        "Production worker",
        Kind.TEAM,
        None,
        "Runs scheduled flows.",
        scopes=["flows:read", "flows:invoke", "executions:write"],
        created=-15,
        used=0,
    ),
]


def _make(spec: DemoKey, tenant: Tenant, users: dict[str, User]) -> ApiKey:
    now = timezone.now()
    days = timedelta(days=1)
    owner = users[spec.owner] if spec.owner else None
    key, _raw = create_key(
        tenant=tenant,
        kind=spec.kind,
        name=spec.name,
        user=owner,
        created_by=owner or users.get(f"owner@{spec.tenant}.test"),
        description=spec.description,
        scopes=spec.scopes or None,
        created_at=now + spec.created * days,
        expires_at=now + spec.expires * days if spec.expires is not None else None,
        last_used_at=now + spec.used * days - timedelta(minutes=17)
        if spec.used is not None
        else None,
        last_used_ip="203.0.113.24" if spec.used is not None else None,
    )
    audit.record(DEMO_ACTOR, tenant, AuditAction.KEY_CREATED, key, kind=key.kind)
    if key.last_used_at is not None and key.last_used_ip:
        # The key page's "recent clients" agrees with its "last used … from".
        KeySighting.objects.create(
            key=key,
            ip=key.last_used_ip,
            user_agent=DEMO_USER_AGENT,
            first_seen=key.created_at,
            last_seen=key.last_used_at,
        )
    if spec.revoked is not None:
        key.revoked_at, key.revoked_by = now + spec.revoked * days, DEMO_ACTOR.label
        key.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(DEMO_ACTOR, tenant, AuditAction.KEY_REVOKED, key)
    return key


def load(tenants: dict[str, Tenant], users: dict[str, User], stdout: TextIO | Any) -> None:
    made = 0
    for spec in DEMO_KEYS:
        tenant = tenants[spec.tenant]
        if not ApiKey.objects.for_tenant(tenant).filter(name=spec.name).exists():
            _make(spec, tenant, users)
            made += 1
    counts = ", ".join(
        f"{ApiKey.objects.for_tenant(tenant).count()} in {tenant.name}"
        for tenant in tenants.values()
    )
    stdout.write(
        f"API keys: {counts} ({made} new). Their secrets are not shown; "
        "create your own key under API keys in the console."
    )
