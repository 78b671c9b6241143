"""Scope and role checks for API views.

A view declares `required_scopes`: a list, or a dict keyed by HTTP method or by DRF action
(`{"list": ["keys:read"], "create": ["keys:write"]}`); `[]` means any valid key. A view may
also declare `required_role` (e.g. `Role.ADMIN`). A user key never exceeds its owner's
role in the tenant; a team key acts as an admin.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.roles import at_least
from apikeys.api.exceptions import InsufficientScope
from apikeys.models import ApiKey
from apikeys.operations import Principal


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


def principal_of(request: Request) -> Principal:
    """The tenant, role and user an authenticated request acts as."""
    key = request.auth
    if not isinstance(key, ApiKey):
        raise exceptions.NotAuthenticated()
    return Principal.of_key(key, getattr(key, "owner_role", None))


class HasScopes(BasePermission):
    """403 `insufficient_scope` unless the key holds every scope the view declares."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False  # IsAuthenticated answers 401 first
        missing = [scope for scope in scopes_for(view, request) if scope not in key.scopes]
        if missing:
            raise InsufficientScope(missing)
        return True


class HasRole(BasePermission):
    """403 `forbidden` unless the key's principal has at least the view's `required_role`."""

    message = "Your role in this tenant does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        required = getattr(view, "required_role", None)
        if required is None:
            return True
        return at_least(principal_of(request).role, required)
