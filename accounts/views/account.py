"""The account page: a person's own name, e-mail, password, MFA, sessions and security log.

Changing the e-mail or password, adding or removing a second factor and listing every
session are allauth's pages (under /console/account/); this page brings them together.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.usersessions.adapter import get_adapter as usersessions_adapter
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import security
from accounts.decorators import post_only
from accounts.forms import posted
from accounts.models import SecurityAction, User

RECENT_EVENTS = 20


class NameForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["full_name"]
        labels = {"full_name": "Name"}

    def clean_full_name(self) -> str:
        name: str = self.cleaned_data["full_name"].strip()
        if any(not char.isprintable() for char in name):
            raise forms.ValidationError("Use printable characters only.")
        return name


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = NameForm(posted(request), instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your name was saved.")
        return redirect("account")
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=user)}
    context = {
        "name_form": form,
        "email_verified": security.has_verified_email(user),
        "has_mfa": security.has_mfa(user),
        "totp": authenticators.get(Authenticator.Type.TOTP),
        "passkeys": Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN),
        "recovery_codes": authenticators.get(Authenticator.Type.RECOVERY_CODES),
        "sessions": sorted(
            UserSession.objects.purge_and_list(user), key=lambda s: s.last_seen_at, reverse=True
        ),
        "events": user.security_events.all()[:RECENT_EVENTS],
    }
    return render(request, "accounts/account.html", context)


@login_required
@post_only("account")
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    others = [s for s in UserSession.objects.filter(user=user) if not s.is_current()]
    usersessions_adapter().end_sessions(others)
    security.record(user, SecurityAction.SESSIONS_ENDED, request, count=len(others))
    messages.success(request, f"Signed out {len(others)} other session(s).")
    return redirect("account")
