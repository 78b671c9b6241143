"""The key list, the create form and the page a used show-once page turns into."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

from accounts.decorators import tenant_required, verified_email_required
from accounts.roles import is_admin
from accounts.sudo import sudo_required
from apikeys import authority, keys
from apikeys.authority import Action
from apikeys.forms import CreateKeyForm
from apikeys.models import ApiKey, Kind
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

CREATE = "create"
# keys.create names fields after the model; the form after what the user sees.
FORM_FIELDS = {
    "name": "name",
    "expires_at": "expires_on",
    "scopes": "scopes",
    "kind": "kind",
    "allowed_ips": "allowed_ips",
    "flows": "flows",
}


# The security overview's counts, each a filter of the list (and of GET /keys).
OVERVIEW: dict[str, tuple[str, dict[str, Any]]] = {
    "never_expire": ("Never expire", {"never_expire": True}),
    "idle": ("Idle 90+ days", {"idle_days": 90}),
    "never_used": ("Never used", {"never_used": True}),
    "full_access": ("Full access", {"full_access": True}),
}


def _overview(visible: QuerySet[ApiKey]) -> list[dict[str, Any]]:
    live = visible.filter(revoked_at__isnull=True)
    return [
        {"name": name, "label": label, "count": keys.filtered(live, **how).count()}
        for name, (label, how) in OVERVIEW.items()
    ]


@tenant_required()
def key_list(request: ConsoleRequest) -> HttpResponse:
    principal = principal_of(request)
    visible: QuerySet[ApiKey] = keys.visible_keys(principal).select_related("user", "created_by")
    admin = is_admin(principal.role)
    active_filter = request.GET.get("filter", "")
    overview = _overview(visible) if admin else []
    if active_filter in OVERVIEW:
        visible = keys.filtered(visible, **OVERVIEW[active_filter][1])
    else:
        active_filter = ""
    rows: list[dict[str, Any]] = [
        {
            "key": key,
            "can_revoke": authority.may(principal, Action.REVOKE, key),
            "can_regenerate": authority.may(principal, Action.REGENERATE, key),
        }
        for key in visible
    ]
    context = {
        "live_rows": [row for row in rows if row["key"].revoked_at is None],
        "revoked_rows": [row for row in rows if row["key"].revoked_at is not None],
        "is_admin": admin,
        "overview": overview,
        "active_filter": active_filter,
        "active_label": OVERVIEW[active_filter][0] if active_filter else "",
    }
    return render(request, "apikeys/list.html", context)


def _create_form(request: ConsoleRequest, data: Any = None) -> CreateKeyForm:
    membership = request.membership
    return CreateKeyForm(
        data,
        initial=None if data else {"nonce": nonces.issue(request, CREATE)},
        tenant=membership.tenant,
        role=membership.role,
    )


def _form_page(request: ConsoleRequest, form: CreateKeyForm) -> HttpResponse:
    return no_store(render(request, "apikeys/create.html", {"form": form}))


@never_cache
@tenant_required()
@verified_email_required
@sudo_required
@sensitive_variables("raw")
def key_create(request: ConsoleRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, _create_form(request))
    if request.POST.get("kind") == Kind.TEAM:
        # The form never offers it to members: refuse a crafted request before anything.
        authority.check_create(principal_of(request), Kind.TEAM, [])
    nonce = request.POST.get("nonce", "")
    used_for = nonces.spent_on(request, nonce, CREATE)
    if used_for:
        return gone(request, used_for)
    if not nonces.is_pending(request, nonce, CREATE):
        data = request.POST.copy()
        data["nonce"] = nonces.issue(request, CREATE)
        form = _create_form(request, data)
        form.is_valid()
        form.add_error(None, "This form has expired. Check the details and submit it again.")
        return _form_page(request, form)
    form = _create_form(request, request.POST)
    if not form.is_valid():
        return _form_page(request, form)
    try:
        key, raw = keys.create(
            Actor.from_request(request),
            principal_of(request),
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.expires_at(),
            allowed_ips=form.cleaned_data["allowed_ips"],
            flows=form.cleaned_data["flows"],
        )
    except ValidationError as error:
        add_errors(form, error, FORM_FIELDS)
        return _form_page(request, form)
    except IntegrityError:
        # Two submissions racing past the name check: the unique constraint decides.
        form.add_error("name", "A live key with this name already exists.")
        return _form_page(request, form)
    nonces.spend(request, nonce, CREATE, key.public_id)
    return show_once(request, key, raw, regenerated=False)


@never_cache
@tenant_required()
def key_created(request: ConsoleRequest, public_id: str) -> HttpResponse:
    """The show-once page's own address: by the time anyone loads it, the secret is gone."""
    key = console_key(request, public_id, Action.SEE)
    return gone(request, key.public_id)
