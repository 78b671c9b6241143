"""What the console header needs on every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts import security
from accounts.models import Membership, User
from accounts.roles import is_admin, is_owner


def console(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    signed_in: dict[str, Any] = {
        "email_unverified": lambda: not security.has_verified_email(user),
    }
    membership = getattr(request, "membership", None)
    if membership is None:
        return signed_in

    def switchable() -> list[Membership]:
        return list(Membership.objects.of_user(user).order_by("tenant__name"))

    return {
        **signed_in,
        "tenant": membership.tenant,
        "membership": membership,
        "my_memberships": switchable,
        "is_tenant_admin": is_admin(membership.role),
        "is_tenant_owner": is_owner(membership.role),
    }
