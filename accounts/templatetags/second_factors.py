from __future__ import annotations

from allauth.mfa.models import Authenticator
from django import template

from accounts.models import User

register = template.Library()


@register.filter
def has_passkey(user: User) -> bool:
    """The sign-in step offers "Use a security key" only to someone who registered one."""
    passkeys = Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN)
    return bool(passkeys.exists())
