"""What Keyward changes of django-allauth: the sign-in throttle, the one way mail leaves,
the client IP, and e-mail verification that is asked at sign-up but not forced at sign-in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts import security, sudo, throttle
from accounts.models import SecurityAction, User, normalize_email
from core.mail import send_later
from core.network import client_ip

ALLAUTH_EMAIL_STAGE = "allauth.account.stages.EmailVerificationStage"
KEYWARD_EMAIL_STAGE = "accounts.stages.SignUpEmailVerificationStage"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Every e-mail allauth sends (codes, resets, notices) leaves through here: the one
        place a background queue takes over delivery."""
        request = context.get("request") or allauth_context.request
        site = SimpleNamespace(name="Keyward", domain=request.get_host() if request else "")
        message = self.render_mail(
            template_prefix, email, {"current_site": site, "email": email, **context}
        )
        # Never sent inside the request: the task worker delivers it, retrying while SMTP
        # is down.
        send_later(str(message.subject), str(message.body), list(message.to))

    def is_ajax(self, request: HttpRequest) -> bool:
        """Only a script that asks for JSON (allauth's passkey script does) gets JSON; a form
        page sent a JSON body answers with the form and its errors, like any bad input."""
        return bool(request.META.get("HTTP_ACCEPT") == "application/json")

    def get_client_ip(self, request: HttpRequest) -> str:
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client's IP address.")
        return ip

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Passwords are throttled here, not by allauth's `login_failed` limit, which stays
        on for what it also guards: second-factor codes (per user)."""
        locked = throttle.lockout(request, credentials.get("email", ""))
        if locked is not None:
            raise forms.ValidationError(locked.message, code="too_many_login_attempts")

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        email = credentials.get("email", "")
        if throttle.count_failure(request, email):
            user = User.objects.filter(email=normalize_email(email)).first()
            if user is not None:
                security.record(user, SecurityAction.SIGNIN_LOCKED, request)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Sudo mode has one definition: a sign-in in the last 15 minutes counts as much as
        allauth's own re-authentication, for our views and allauth's (adding MFA) alike."""
        request = allauth_context.request
        if request is not None and sudo.signed_in_recently(request):
            return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))

    def get_login_stages(self) -> list[str]:
        return [
            KEYWARD_EMAIL_STAGE if stage == ALLAUTH_EMAIL_STAGE else stage
            for stage in super().get_login_stages()
        ]
