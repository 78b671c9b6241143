"""A person's account security: verified e-mail, MFA, and their own security log."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from accounts.models import SecurityAction, SecurityEvent, SecurityPolicy, User
from core.network import client_ip


def has_verified_email(user: User) -> bool:
    """The one definition of "verified": the account's address is confirmed."""
    verified: bool = EmailAddress.objects.filter(
        user=user, email__iexact=user.email, verified=True
    ).exists()
    return verified


def mark_verified(user: User) -> None:
    """Record the user's address as confirmed (staff-made and demo accounts, migrations)."""
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def has_mfa(user: User) -> bool:
    """The one definition of "this user has a second factor" (TOTP or a passkey)."""
    return bool(is_mfa_enabled(user))


def lacks_required_mfa(policy: SecurityPolicy, user: User) -> bool:
    """The organisation requires a second factor and this user has none (the console's
    gate, and the check before a person mints a key; the key state reads it as SQL)."""
    return policy.require_mfa and not has_mfa(user)


def has_mfa_expression(user_field: str) -> Exists:
    """`has_mfa` as SQL, for the user in `user_field` of the outer query: allauth's own test
    (any authenticator of the user; recovery codes go with the last one)."""
    return Exists(Authenticator.objects.filter(user_id=OuterRef(user_field)))


def record(
    user: User, action: SecurityAction, request: HttpRequest | None = None, **details: Any
) -> SecurityEvent:
    """Append one event to the user's security log. Never pass a secret in `details`."""
    return SecurityEvent.objects.create(
        user=user,
        action=action,
        ip=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:200],
        details=details,
    )
