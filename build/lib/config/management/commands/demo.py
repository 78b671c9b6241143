"""`manage.py demo`: idempotent demo data; run it as often as you like, it converges on the
same state. The project-level command, above every app, so it may name them all."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

import accounts.demo
import apikeys.demo
import usage.demo


class Command(BaseCommand):
    help = "Load demo organisations, people, keys, flows and 30 days of runs (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            tenants, users = accounts.demo.load()
            apikeys.demo.load(tenants, users, self.stdout)
            usage.demo.load(tenants, users, self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000")
        )
        for email, _name, slug, role in accounts.demo.PEOPLE:
            self.stdout.write(
                f"  {email:<22} password: {accounts.demo.PASSWORD:<14} {role} of {slug}"
            )
