"""What the console header needs on every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import Membership, User
from accounts.roles import is_admin, is_owner


def console(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}

    def switchable() -> list[Membership]:
        user = request.user
        assert isinstance(user, User)
        return list(Membership.objects.of_user(user).order_by("tenant__name"))

    return {
        "tenant": membership.tenant,
        "membership": membership,
        "my_memberships": switchable,
        "is_tenant_admin": is_admin(membership.role),
        "is_tenant_owner": is_owner(membership.role),
    }
