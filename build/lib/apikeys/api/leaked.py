"""`POST /keys/leaked`: anyone may report keys found in the wild; live ones are revoked."""

from __future__ import annotations

from typing import Any

from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Membership
from accounts.roles import Role
from apikeys import keys
from apikeys.api.serializers import LeakReceiptSerializer, LeakReportSerializer
from apikeys.models import ApiKey
from core import ratelimit
from core.acting import Actor
from core.api.base import ApiView
from core.mail import send_later
from core.network import client_ip

RECEIPT = {
    "status": "received",
    "message": "Thank you. Any live Keyward key among these has been revoked (or, where its "
    "organisation asks for that, its owners told).",
}


def recipients(key: ApiKey) -> list[str]:
    """The key's owner and the tenant's admins (active users only)."""
    admins = Membership.objects.for_tenant(key.tenant).filter(
        role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
    )
    emails = {m.user.email for m in admins.select_related("user")}
    if key.user is not None and key.user.is_active:
        emails.add(key.user.email)
    return sorted(emails)


def notify(keys: list[ApiKey], reporter: str, where: str = "") -> None:
    """One e-mail per key reported, naming it by its masked form only; queued, never sent
    inside the request (an SMTP outage must not turn the report into an error)."""
    for key in keys:
        found = f" by {reporter}" if reporter else ""
        found += f" at {where}" if where else ""
        if key.revoked_at is not None:
            outcome = (
                "and has been revoked.\n\nPrograms that used it will now be refused. Create "
                "a new key in the console, and check where the old one was exposed.\n"
            )
            subject = f"Keyward: API key “{key.name}” revoked after a leak report"
        else:
            outcome = (
                ". Your organisation's policy is to notify only, so it still works: regenerate "
                "or revoke it in the console now.\n"
            )
            subject = f"Keyward: API key “{key.name}” reported leaked"
        body = (
            f"The API key “{key.name}” ({key.masked}) of {key.tenant.name} was reported as "
            f"leaked{found}{outcome if outcome.startswith('.') else ' ' + outcome}"
        )
        send_later(subject, body, recipients(key))


class LeakReportView(ApiView):
    """No authentication, limited per client IP; the same 202 whether or not a key matched."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        ratelimit.raise_if_exceeded(ratelimit.charge_ip(request._request))

    @extend_schema(
        request=LeakReportSerializer,
        responses={202: LeakReceiptSerializer},
        auth=[],
        operation_id="keys_leaked",
        summary="Report leaked keys",
    )
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        form = LeakReportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reporter = form.validated_data["reporter"].strip()
        label = f"leak report{f': {reporter}' if reporter else ''}"
        actor = Actor(user=None, label=label, ip=client_ip(request._request))
        revoked = keys.report_leaked(actor, form.validated_data["keys"])
        if revoked:
            notify(revoked, reporter)
        return Response(RECEIPT, status=status.HTTP_202_ACCEPTED)
