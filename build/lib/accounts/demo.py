"""Demo organisations and people (idempotent). `manage.py demo` loads this, then the keys
and usage of the apps above."""

from __future__ import annotations

from accounts import audit, security
from accounts.models import AuditAction, Membership, Tenant, User
from accounts.roles import Role
from core.acting import Actor

PASSWORD = "keyward-demo"
DEMO_ACTOR = Actor.system("manage.py demo")
TENANTS = [("Acme", "acme", "Europe/Berlin"), ("Globex", "globex", "America/New_York")]
PEOPLE = [
    ("owner@acme.test", "Ada Owner", "acme", Role.OWNER),
    ("member@acme.test", "Max Member", "acme", Role.MEMBER),
    ("owner@globex.test", "Grace Owner", "globex", Role.OWNER),
]


def load() -> tuple[dict[str, Tenant], dict[str, User]]:
    """The demo tenants by slug and users by e-mail, created or brought back to shape."""
    tenants = {}
    for name, slug, tz in TENANTS:
        tenant, created = Tenant.objects.update_or_create(
            slug=slug, defaults={"name": name, "time_zone": tz, "is_active": True}
        )
        tenants[slug] = tenant
        if created:
            audit.record(DEMO_ACTOR, tenant, AuditAction.TENANT_CREATED)
    for email, full_name, slug, role in PEOPLE:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        if created or not user.check_password(PASSWORD):
            user.set_password(PASSWORD)
            user.is_active = True
            user.save()
        security.mark_verified(user)
        membership, joined = Membership.objects.update_or_create(
            user=user, tenant=tenants[slug], defaults={"role": role}
        )
        if joined:
            audit.record(DEMO_ACTOR, membership.tenant, AuditAction.MEMBER_JOINED, membership)
    users = {email: User.objects.get(email=email) for email, *_ in PEOPLE}
    return tenants, users
