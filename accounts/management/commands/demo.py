"""Idempotent demo data: run it as often as you like; it converges on the same state."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import audit
from accounts.audit import Actor
from accounts.models import AuditAction, Membership, Tenant, User
from accounts.roles import Role

PASSWORD = "keyward-demo"
DEMO_ACTOR = Actor.system("manage.py demo")
TENANTS = [("Acme", "acme", "Europe/Berlin"), ("Globex", "globex", "America/New_York")]
PEOPLE = [
    ("owner@acme.test", "Ada Owner", "acme", Role.OWNER),
    ("member@acme.test", "Max Member", "acme", Role.MEMBER),
    ("owner@globex.test", "Grace Owner", "globex", Role.OWNER),
]


# Each app may add demo data in `<app>/demo.py` with `load(tenants, users, stdout)`;
# it must be idempotent too.
DEMO_APPS = ["apikeys", "usage"]


class Command(BaseCommand):
    help = "Load demo tenants and users (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            tenants = {}
            for name, slug, tz in TENANTS:
                tenant, created = Tenant.objects.update_or_create(
                    slug=slug, defaults={"name": name, "time_zone": tz, "is_active": True}
                )
                tenants[slug] = tenant
                if created:
                    audit.record(DEMO_ACTOR, tenant, AuditAction.TENANT_CREATED)
            for email, full_name, slug, role in PEOPLE:
                user, created = User.objects.get_or_create(
                    email=email, defaults={"full_name": full_name}
                )
                if created or not user.check_password(PASSWORD):
                    user.set_password(PASSWORD)
                    user.is_active = True
                    user.save()
                membership, joined = Membership.objects.update_or_create(
                    user=user, tenant=tenants[slug], defaults={"role": role}
                )
                if joined:
                    audit.record(
                        DEMO_ACTOR, membership.tenant, AuditAction.MEMBER_JOINED, membership
                    )
            users = {email: User.objects.get(email=email) for email, *_ in PEOPLE}
            for app in DEMO_APPS:
                if importlib.util.find_spec(f"{app}.demo"):
                    importlib.import_module(f"{app}.demo").load(tenants, users, self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000")
        )
        for email, _name, slug, role in PEOPLE:
            self.stdout.write(f"  {email:<22} password: {PASSWORD:<14} {role} of {slug}")
