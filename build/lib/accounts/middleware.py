"""Resolve the signed-in user's active tenant on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse

from accounts.models import Membership, User
from core.http import BrowserRequest

SESSION_KEY = "active_tenant_id"


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership the console acts through, re-checked against the database each time.

    The session only names a preferred tenant. A stale or foreign id (membership removed,
    tenant deactivated, a tampered session) falls back to one of the user's own tenants.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        return None
    memberships = Membership.objects.of_user(user)
    wanted = request.session.get(SESSION_KEY)
    membership = None
    if wanted is not None:
        membership = memberships.filter(tenant_id=wanted).first()
    if membership is None:
        membership = memberships.first()
        if membership is not None:
            request.session[SESSION_KEY] = membership.tenant_id
        else:
            request.session.pop(SESSION_KEY, None)
    return membership


class ActiveTenantMiddleware:
    """Sets `request.membership` and `request.tenant` (both None when signed out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        browsing = cast(BrowserRequest, request)
        if request.path.startswith("/api/"):
            # API requests carry a key; their tenant comes from the key and nowhere else.
            browsing.membership = None
            browsing.tenant = None
        else:
            membership = active_membership(request)
            browsing.membership = membership
            browsing.tenant = membership.tenant if membership else None
        return self.get_response(request)
