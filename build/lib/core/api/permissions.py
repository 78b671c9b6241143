"""The API's scope check.

A view declares `required_scopes`: a list, or a dict keyed by DRF action or by HTTP method
(`{"list": ["keys:read"], "create": ["keys:write"]}`); `[]` means any valid key. A view
that declares nothing is refused by the system checks (`core.checks`), never open. What a
principal may do beyond its scopes (roles, whose key) is the services' authority policy.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core.api.exceptions import InsufficientScope


def scopes_for(view: Any, request: Request) -> list[str]:
    """The scopes `view` needs for this request."""
    declared = getattr(view, "required_scopes", None)
    if declared is None:
        raise ImproperlyConfigured(f"{type(view).__name__} must declare required_scopes.")
    if isinstance(declared, dict):
        action = getattr(view, "action", None)
        if action in declared:
            return list(declared[action])
        method = (request.method or "").upper()
        if method in declared:
            return list(declared[method])
        if method in ("HEAD", "OPTIONS") and "GET" in declared:
            return list(declared["GET"])
        raise exceptions.MethodNotAllowed(method)
    return list(declared)


class HasScopes(BasePermission):
    """403 `insufficient_scope` unless the key holds every scope the view declares."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = getattr(request, "principal", None)
        if principal is None or principal.key_scopes is None:
            return False  # IsAuthenticated answers 401 first
        needed = scopes_for(view, request)
        missing = [scope for scope in needed if scope not in principal.key_scopes]
        if missing:
            raise InsufficientScope(missing)
        return True
