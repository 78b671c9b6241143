"""The console shell: tenant switcher, new tenant, settings, audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts import tenants
from accounts.decorators import post_only, tenant_required
from accounts.forms import SwitchTenantForm, TenantCreateForm, TenantSettingsForm, posted
from accounts.middleware import SESSION_KEY
from accounts.models import AuditEvent, Membership
from accounts.roles import Role, is_owner
from core.acting import Actor
from core.http import ConsoleRequest, SignedInRequest

AUDIT_PAGE_SIZE = 50


@post_only("console-home")
@login_required
def switch_tenant(request: SignedInRequest) -> HttpResponse:
    form = SwitchTenantForm(request.POST)
    if not form.is_valid():
        raise Http404("No such organisation.")
    membership = (
        Membership.objects.of_user(request.user)
        .filter(tenant_id=form.cleaned_data["tenant"])
        .first()
    )
    if membership is None:
        raise Http404("You are not a member of that organisation.")
    request.session[SESSION_KEY] = membership.tenant_id
    next_url = form.cleaned_data["next"]
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("console-home")


@require_http_methods(["GET", "POST"])
@login_required
def create_tenant(request: SignedInRequest) -> HttpResponse:
    form = TenantCreateForm(posted(request))
    if request.method == "POST" and form.is_valid():
        tenant = tenants.create_tenant(form.cleaned_data["name"], owner=request.user)
        request.session[SESSION_KEY] = tenant.pk
        messages.success(request, f"{tenant.name} is ready. You are its owner.")
        return redirect("console-home")
    return render(request, "accounts/tenant_create.html", {"form": form})


@require_http_methods(["GET", "POST"])
@tenant_required()
def tenant_settings(request: ConsoleRequest) -> HttpResponse:
    tenant = request.tenant
    can_edit = is_owner(request.membership.role)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only owners can change the organisation's settings.")
    form = TenantSettingsForm(posted(request), instance=tenant)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        if tenants.update_settings(Actor.from_request(request), tenant, **changes):
            messages.success(request, "Settings saved.")
        return redirect("tenant-settings")
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "accounts/settings.html", {"form": form, "can_edit": can_edit})


@tenant_required(role=Role.ADMIN)
def audit_log(request: ConsoleRequest) -> HttpResponse:
    events = AuditEvent.objects.for_tenant(request.tenant).select_related("actor_user")
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page})
