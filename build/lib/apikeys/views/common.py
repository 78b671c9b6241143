"""What every key page needs: the principal, the key it may manage, the show-once answer."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_variables

from apikeys.authority import Action
from apikeys.keys import key_for, visible_keys
from apikeys.models import ApiKey
from core.acting import Principal
from core.http import ConsoleRequest


def principal_of(request: ConsoleRequest) -> Principal:
    return Principal.of_membership(request.membership)


def console_key(request: ConsoleRequest, public_id: str, action: Action) -> ApiKey:
    """The key, if the signed-in member may take `action` on it: another organisation's
    key, or one they may not see, is a 404 like a missing one; a key they see but may not
    act on is a 403."""
    return key_for(principal_of(request), public_id, action)


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
def show_once(request: ConsoleRequest, key: ApiKey, raw: str, *, regenerated: bool) -> HttpResponse:
    """The only response that ever contains the raw key: never cached, never stored."""
    context = {
        "key": key,
        "raw": raw,
        "regenerated": regenerated,
        "old_until": key.previous_secret_until if regenerated else None,
        "whoami_url": request.build_absolute_uri("/api/v1/whoami"),
    }
    return no_store(render(request, "apikeys/show_once.html", context))


def gone(request: ConsoleRequest, public_id: str) -> HttpResponse:
    """What a reload or resubmit of a used form gets: the key, without its secret."""
    key = visible_keys(principal_of(request)).filter(public_id=public_id).first()
    if key is None:
        return redirect("api-keys")
    return no_store(render(request, "apikeys/gone.html", {"key": key}))
