"""Revoke and regenerate: a confirmation page (shown in a dialog with JavaScript), then POST."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

from accounts.decorators import tenant_required, verified_email_required
from accounts.sudo import sudo_required
from apikeys import keys
from apikeys.authority import Action
from apikeys.forms import RegenerateKeyForm
from apikeys.models import ApiKey
from apikeys.views import nonces
from apikeys.views.common import (
    add_errors,
    console_key,
    gone,
    no_store,
    principal_of,
    show_once,
)
from core.acting import Actor
from core.http import ConsoleRequest


@tenant_required()
def key_revoke(request: ConsoleRequest, public_id: str) -> HttpResponse:
    key = console_key(request, public_id, Action.REVOKE)
    if request.method != "POST":
        return render(request, "apikeys/revoke.html", {"key": key})
    if keys.revoke(Actor.from_request(request), principal_of(request), key):
        messages.success(request, f"“{key.name}” was revoked. It no longer works.")
    else:
        messages.info(request, f"“{key.name}” was already revoked.")
    return redirect("api-keys")


def _regenerate_purpose(key: ApiKey) -> str:
    return f"regenerate:{key.public_id}"


def _regenerate_page(request: ConsoleRequest, key: ApiKey, form: RegenerateKeyForm) -> HttpResponse:
    return no_store(render(request, "apikeys/regenerate.html", {"key": key, "form": form}))


@never_cache
@tenant_required()
@verified_email_required
@sudo_required
@sensitive_variables("raw")
def key_regenerate(request: ConsoleRequest, public_id: str) -> HttpResponse:
    key = console_key(request, public_id, Action.REGENERATE)
    purpose = _regenerate_purpose(key)
    if request.method != "POST":
        form = RegenerateKeyForm(
            initial={"nonce": nonces.issue(request, purpose)}, tenant=request.tenant
        )
        return _regenerate_page(request, key, form)
    nonce = request.POST.get("nonce", "")
    if nonces.spent_on(request, nonce, purpose):
        return gone(request, key.public_id)
    form = RegenerateKeyForm(request.POST, tenant=request.tenant)
    if not nonces.is_pending(request, nonce, purpose):
        form = RegenerateKeyForm(
            {**request.POST.dict(), "nonce": nonces.issue(request, purpose)}, tenant=request.tenant
        )
        form.is_valid()
        form.add_error(None, "This form has expired. Submit it again.")
        return _regenerate_page(request, key, form)
    if not form.is_valid():
        return _regenerate_page(request, key, form)
    try:
        raw = keys.regenerate(
            Actor.from_request(request),
            principal_of(request),
            key,
            form.cleaned_data["grace"],
            form.expires_at(),
        )
    except ValidationError as error:
        add_errors(form, error, {"grace": "grace", "expires_at": "expires_on"})
        return _regenerate_page(request, key, form)
    nonces.spend(request, nonce, purpose, key.public_id)
    return show_once(request, key, raw, regenerated=True)
