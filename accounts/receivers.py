"""allauth's signals, written to the person's security log."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_changed, password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import security, sudo  # noqa: F401  (sudo connects its own receiver)
from accounts.models import SecurityAction, User


@receiver(password_changed, dispatch_uid="keyward-password-changed")
def on_password_changed(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    security.record(user, SecurityAction.PASSWORD_CHANGED, request)


@receiver(password_reset, dispatch_uid="keyward-password-reset")
def on_password_reset(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    security.record(user, SecurityAction.PASSWORD_RESET, request)


@receiver(email_changed, dispatch_uid="keyward-email-changed")
def on_email_changed(
    sender: Any,
    request: HttpRequest,
    user: User,
    from_email_address: Any,
    to_email_address: Any,
    **kwargs: Any,
) -> None:
    old = getattr(from_email_address, "email", "")
    if not old or old == to_email_address.email:
        return  # allauth also says "changed" when an address is merely confirmed
    security.record(
        user, SecurityAction.EMAIL_CHANGED, request, old=old, new=to_email_address.email
    )


@receiver(authenticator_added, dispatch_uid="keyward-mfa-added")
def on_authenticator_added(
    sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any
) -> None:
    security.record(
        user, SecurityAction.MFA_ADDED, request, method=authenticator.get_type_display()
    )


@receiver(authenticator_removed, dispatch_uid="keyward-mfa-removed")
def on_authenticator_removed(
    sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any
) -> None:
    security.record(
        user, SecurityAction.MFA_REMOVED, request, method=authenticator.get_type_display()
    )


@receiver(authenticator_reset, dispatch_uid="keyward-mfa-reset")
def on_authenticator_reset(
    sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any
) -> None:
    security.record(user, SecurityAction.RECOVERY_CODES_RENEWED, request)
