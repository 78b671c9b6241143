from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import tenants
from accounts.models import User, normalize_email, validate_time_zone


class Command(BaseCommand):
    help = "Create a tenant owned by an existing user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, help="E-mail of an existing user.")
        parser.add_argument("--time-zone", default="UTC")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            owner = User.objects.get(email=normalize_email(options["owner"]))
        except User.DoesNotExist as exc:
            raise CommandError(f"No user with e-mail {options['owner']}.") from exc
        try:
            validate_time_zone(options["time_zone"])
        except Exception as exc:
            raise CommandError(f"{options['time_zone']} is not an IANA time zone.") from exc
        if not options["name"].strip():
            raise CommandError("The organisation needs a name.")
        tenant = tenants.create_tenant(options["name"].strip(), owner, options["time_zone"])
        self.stdout.write(f"Created tenant {tenant.name} (slug {tenant.slug}) owned by {owner}.")
