"""The console's side of `keyward login`: enter (or follow) the code, see what asks, pick
the organisation, approve or deny. Deciding needs a verified address and sudo mode."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.decorators import tenant_required, verified_email_required
from accounts.models import Membership
from accounts.sudo import sudo_required
from apikeys import device
from core import ratelimit
from core.acting import Actor
from core.http import ConsoleRequest
from core.network import client_ip


def _too_many(request: ConsoleRequest) -> bool:
    """Code entry is limited per account and per client IP: 8 letters resist guessing only
    while guesses are few."""
    rate = ratelimit.Rate.parse(settings.DEVICE_ENTRY_RATE_LIMIT)
    by_user = ratelimit.hit(f"device-entry:user:{request.user.pk}", rate)
    by_ip = ratelimit.hit(f"device-entry:ip:{client_ip(request) or '-'}", rate)
    return by_user.exceeded or by_ip.exceeded


def _page(request: ConsoleRequest, status: int = 200, **context: object) -> HttpResponse:
    memberships = (
        Membership.objects.filter(user=request.user, tenant__is_active=True)
        .select_related("tenant")
        .order_by("tenant__name")
    )
    context = {"memberships": memberships, **context}
    return render(request, "apikeys/device.html", context, status=status)


def _chosen_membership(request: ConsoleRequest) -> Membership | None:
    """The organisation picked, if it is one of the user's own (any other id: None)."""
    tenant_id = request.POST.get("tenant", "")
    if not tenant_id.isdigit():
        return None
    return (
        Membership.objects.filter(user=request.user, tenant_id=int(tenant_id))
        .filter(tenant__is_active=True)
        .select_related("tenant", "user")
        .first()
    )


@never_cache
@tenant_required()
@verified_email_required
@sudo_required
def device_login(request: ConsoleRequest) -> HttpResponse:
    code = (request.POST if request.method == "POST" else request.GET).get("code", "")
    if not code:
        return _page(request)
    if _too_many(request):
        return _page(request, 429, code=code, error="Too many codes tried. Wait a minute.")
    authorization = device.pending(code)
    if authorization is None:
        error = "No login is waiting for this code. It may have expired (after 10 minutes)."
        return _page(request, 404, code=code, error=error)
    if request.method != "POST":
        return _page(request, code=authorization.display_code, authorization=authorization)
    membership = _chosen_membership(request)
    if membership is None:
        error = "Pick one of your organisations."
        return _page(request, 400, code=code, authorization=authorization, error=error)
    actor = Actor.from_request(request)
    if request.POST.get("decision") == "deny":
        device.deny(actor, authorization, membership)
        messages.info(request, "Login denied. The device gets nothing.")
    elif device.approve(actor, authorization, membership):
        messages.success(
            request,
            f"Approved. The command line now signs in to {membership.tenant.name} "
            "with a new key named “cli”.",
        )
    else:
        messages.error(request, "This code was already used or has expired.")
    return redirect("console-home")
