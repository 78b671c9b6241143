"""`POST /oauth/device/code` and `POST /oauth/token`: the device authorization grant's two
endpoints, form-encoded in and JSON out, with the RFC's error bodies and `no-store`."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from apikeys import device
from core import ratelimit
from core.network import client_ip


def oauth_response(body: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def oauth_error(error: device.OAuthError) -> JsonResponse:
    response = oauth_response(
        {"error": error.error, "error_description": error.description}, error.status
    )
    if error.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="keyward"'
    return response


def limited(request: HttpRequest, bucket: str, rate: str) -> JsonResponse | None:
    """The RFC has no rate-limit error: a 429 with its usual body and Retry-After."""
    window = ratelimit.hit(f"{bucket}:{client_ip(request) or '-'}", ratelimit.Rate.parse(rate))
    if not window.exceeded:
        return None
    response = oauth_error(
        device.OAuthError("slow_down", "Too many requests from this address.", 429)
    )
    response["Retry-After"] = str(window.retry_after(time.time()))
    return response


@csrf_exempt
@require_POST
@sensitive_variables("started")
def device_code(request: HttpRequest) -> JsonResponse:
    refused = limited(request, "device-code", settings.DEVICE_CODE_RATE_LIMIT)
    if refused is not None:
        return refused
    try:
        started = device.start(
            request.POST.get("client_id", ""),
            client_ip(request),
            request.META.get("HTTP_USER_AGENT", ""),
        )
    except device.OAuthError as error:
        return oauth_error(error)
    authorization = started.authorization
    verification_uri = request.build_absolute_uri(reverse("device"))
    return oauth_response(
        {
            "device_code": started.device_code,
            "user_code": authorization.display_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": f"{verification_uri}?code={authorization.display_code}",
            "expires_in": int(device.LIFETIME.total_seconds()),
            "interval": authorization.interval,
        }
    )


@csrf_exempt
@require_POST
@sensitive_post_parameters("device_code")
@sensitive_variables("raw")
def token(request: HttpRequest) -> JsonResponse:
    refused = limited(request, "device-token", settings.DEVICE_POLL_RATE_LIMIT)
    if refused is not None:
        return refused
    if request.POST.get("grant_type") != device.GRANT_TYPE:
        error = device.OAuthError("unsupported_grant_type", f"Use {device.GRANT_TYPE}.")
        return oauth_error(error)
    code = request.POST.get("device_code", "")
    if not code:
        return oauth_error(device.OAuthError("invalid_request", "device_code is required."))
    try:
        key, raw = device.collect(request.POST.get("client_id", ""), code)
    except device.OAuthError as error:
        return oauth_error(error)
    return oauth_response(
        {
            "access_token": raw,
            "token_type": "Bearer",
            "key_id": key.public_id,
            "key_name": key.name,
            "organisation": key.tenant.name,
        }
    )
