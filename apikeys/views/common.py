"""What every key page needs: the principal, the key it may manage, the show-once answer."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_variables

from apikeys.keys import Principal, can_manage, visible_keys
from apikeys.models import ApiKey
from core.tenancy import get_for_tenant_or_404


def principal_of(request: HttpRequest) -> Principal:
    return Principal.of_membership(request.membership)  # type: ignore[attr-defined]


def manageable_key(request: HttpRequest, public_id: str) -> ApiKey:
    """Another tenant's key is a 404 like a missing one; a colleague's key you may not
    manage is a 403."""
    key = get_for_tenant_or_404(ApiKey, request.tenant, public_id=public_id)  # type: ignore[attr-defined]
    if not can_manage(principal_of(request), key):
        raise PermissionDenied("Only admins, and the owner of a user key, can manage this key.")
    return key


def add_errors(form: forms.Form, error: ValidationError, fields: dict[str, str]) -> None:
    """Show an operation's refusal on the form, on the field it names where there is one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(fields.get(field), messages)
    else:
        form.add_error(None, error.messages)


def no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Pragma"] = "no-cache"
    return response


@sensitive_variables("raw")
def show_once(request: HttpRequest, key: ApiKey, raw: str, *, regenerated: bool) -> HttpResponse:
    """The only response that ever contains the raw key: never cached, never stored."""
    context = {
        "key": key,
        "raw": raw,
        "regenerated": regenerated,
        "old_until": key.previous_secret_until if regenerated else None,
        "whoami_url": request.build_absolute_uri("/api/v1/whoami"),
    }
    return no_store(render(request, "apikeys/show_once.html", context))


def gone(request: HttpRequest, public_id: str) -> HttpResponse:
    """What a reload or resubmit of a used form gets: the key, without its secret."""
    key = visible_keys(principal_of(request)).filter(public_id=public_id).first()
    if key is None:
        return redirect("api-keys")
    return no_store(render(request, "apikeys/gone.html", {"key": key}))
