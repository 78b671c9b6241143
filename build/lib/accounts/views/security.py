"""Settings → Security: the organisation's security policy (owners change it, in sudo
mode; everyone may read it)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import policies
from accounts.decorators import tenant_required
from accounts.forms import posted
from accounts.models import SecurityPolicy
from accounts.roles import is_owner
from accounts.sudo import sudo_required
from core.acting import Actor
from core.http import ConsoleRequest


class SecurityPolicyForm(forms.ModelForm[SecurityPolicy]):
    class Meta:
        model = SecurityPolicy
        fields = list(policies.FIELDS)
        labels = {
            "require_expiry": "Require an expiry date on new keys",
            "max_lifetime_days": "Maximum key lifetime (days)",
            "idle_revoke_days": "Revoke keys unused for (days)",
            "leak_policy": "When a key is reported leaked",
            "require_mfa": "Require two-factor authentication of every member",
            "team_keys_by": "Who may create team keys",
        }
        help_texts = {
            "require_mfa": "A member without it sees only the page that sets it up, and "
            "their own API keys stop working until they do. Team keys keep working.",
        }


@require_http_methods(["GET", "POST"])
@tenant_required()
@sudo_required
def security_settings(request: ConsoleRequest) -> HttpResponse:
    policy = SecurityPolicy.of(request.tenant)
    can_edit = is_owner(request.membership.role)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only owners can change the security policy.")
    form = SecurityPolicyForm(posted(request), instance=policy)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in policies.FIELDS}
        actor = Actor.from_request(request)
        try:
            if policies.update(actor, request.membership.role, request.tenant, **changes):
                messages.success(request, "Security policy saved.")
            return redirect("tenant-security")
        except ValidationError as error:
            form.add_error(None, error)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "accounts/security.html", {"form": form, "can_edit": can_edit})
