from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Tenant
from usage.rollups import rebuild


class Command(BaseCommand):
    help = "Recompute the daily usage roll-ups from the executions (one transaction a tenant)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant (default: all).")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("slug")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant with slug {options['tenant']}.")
        for tenant in tenants:
            rows = rebuild(tenant)
            self.stdout.write(f"{tenant.slug}: {rows} roll-up rows")
