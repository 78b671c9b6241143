"""Mint an API key from the shell: the raw key alone on stdout, details on stderr,
so that `KEY=$(manage.py create_api_key …)` works."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import Membership, Tenant, User, normalize_email
from accounts.roles import Role
from apikeys import keys
from apikeys.models import Kind
from apikeys.scopes import SCOPES
from core.acting import Actor, Principal


def parse_expiry(text: str | None) -> datetime | None:
    """YYYY-MM-DD: the key expires at the start of that day, UTC."""
    if text is None:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise CommandError(f"--expires must be a date like 2030-12-31, not {text!r}.") from exc
    expires = datetime.combine(day, time.min, tzinfo=UTC)
    if expires <= timezone.now():
        raise CommandError(f"--expires {text} is not in the future.")
    return expires


class Command(BaseCommand):
    help = "Create an API key for an organisation's user or team; print the raw key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="The organisation's slug.")
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--user", help="E-mail of the member the key acts as.")
        owner.add_argument("--team", action="store_true", help="A team key of the tenant.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--description", default="")
        parser.add_argument(
            "--scopes", nargs="+", metavar="SCOPE", help=f"Default: all ({' '.join(SCOPES)})."
        )
        parser.add_argument("--expires", metavar="YYYY-MM-DD")
        parser.add_argument(
            "--allowed-ip", action="append", metavar="CIDR", help="Repeatable. Default: anywhere."
        )
        parser.add_argument(
            "--flow", action="append", metavar="FLOW_ID", help="Repeatable. Default: every flow."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with the slug {options['tenant']!r}.")
        unknown = sorted(set(options["scopes"] or []) - set(SCOPES))
        if unknown:
            raise CommandError(
                f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(SCOPES)}."
            )
        principal = self.principal(tenant, options["user"])
        actor = Actor.system("system: manage.py create_api_key")
        try:
            key, raw = keys.create(
                actor,
                principal,
                kind=Kind.USER if principal.user else Kind.TEAM,
                name=options["name"],
                description=options["description"],
                scopes=options["scopes"],
                expires_at=parse_expiry(options["expires"]),
                allowed_ips=options["allowed_ip"],
                flows=options["flow"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"Created {key.kind} key “{key.name}” ({key.public_id}, {key.masked}) in "
            f"{tenant.slug}; scopes: {' '.join(key.scopes)}. It is shown once:"
        )
        self.stdout.write(raw)

    def principal(self, tenant: Tenant, email: str | None) -> Principal:
        if email is None:
            return Principal(tenant=tenant, role=Role.ADMIN, user=None)
        user = User.objects.filter(email=normalize_email(email)).first()
        if user is None:
            raise CommandError(f"No user with the e-mail {email!r}.")
        if not user.is_active:
            raise CommandError(f"{user.email} is deactivated.")
        membership = Membership.objects.for_tenant(tenant).filter(user=user).first()
        if membership is None:
            raise CommandError(f"{user.email} is not a member of {tenant.slug}.")
        return Principal.of_membership(membership)
