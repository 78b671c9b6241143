"""Who acts: the `Principal` whose rights decide, and the `Actor` the audit log names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from core.network import client_ip

if TYPE_CHECKING:
    from accounts.models import Membership, Tenant, User


@dataclass(frozen=True)
class Principal:
    """Whoever manages keys: a console member, or the user or team behind an API key.

    `role` is the role the rights come from (a team key acts as an admin; a user key never
    exceeds its user's role). `key_scopes` is None in the console and the acting key's
    scopes through the API, so that a key can never mint a broader one.
    """

    tenant: Tenant
    role: str
    user: User | None
    key_scopes: frozenset[str] | None = None
    # Through a restricted key: its networks and its flows' public ids (None: unrestricted).
    key_networks: tuple[str, ...] | None = None
    key_flows: frozenset[str] | None = None

    @classmethod
    def of_membership(cls, membership: Membership) -> Principal:
        return cls(tenant=membership.tenant, role=membership.role, user=membership.user)

    @property
    def through_key(self) -> bool:
        return self.key_scopes is not None


@dataclass(frozen=True)
class Actor:
    """Who did something, as the audit log names them: a user, a key, staff or the system."""

    user: User | None
    label: str
    ip: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest | Any) -> Actor:
        """A request's actor: its API key if it authenticated with one, else its user."""
        ip = client_ip(getattr(request, "_request", request))
        key = getattr(request, "auth", None)
        if key is not None and hasattr(key, "audit_label"):
            return cls(user=getattr(key, "user", None), label=key.audit_label, ip=ip)
        user = cast("User | None", request.user if request.user.is_authenticated else None)
        label = getattr(user, "email", None) or "anonymous"
        return cls(user=user, label=label, ip=ip)

    @classmethod
    def staff(cls, user: User, request: HttpRequest) -> Actor:
        """A staff member in the Django admin: `staff: ops@example.com`."""
        return cls(user=user, label=f"staff: {user.email}", ip=client_ip(request))

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user=None, label=label)


class ScopeRefused(PermissionDenied):
    """The acting API key lacks scopes the action needs (through the API: 403
    `insufficient_scope`, naming them)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"This key lacks the scope(s): {', '.join(missing)}.")
        self.missing = missing
