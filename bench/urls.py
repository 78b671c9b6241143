"""One small tenant-scoped endpoint, served behind each authentication compared.

It answers with the tenant's slug and nothing more: a list of keys behind it (as this bench
once had) spends about 6 ms serializing, and its run-to-run noise (±300 µs) was as large as
the authentication it meant to measure.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django.urls import path
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView
from rest_framework_api_key.permissions import HasAPIKey

from accounts.models import Tenant
from apikeys.authentication import ApiKeyAuthentication
from core.api.permissions import HasScopes


class TenantSlug(APIView):
    """The caller's tenant. Others than Keyward do not know a tenant: it is fixed."""

    required_scopes = ["keys:read"]

    def get(self, request: Request) -> Response:
        tenant = getattr(request, "tenant", None) or FIXED_TENANT[0]
        return Response({"tenant": tenant.slug})


FIXED_TENANT: list[Tenant] = []


def variant(auth: list[Any], perms: list[Any]) -> Any:
    return type("V", (TenantSlug,), {"authentication_classes": auth, "permission_classes": perms})


class RedisUserRateThrottle(UserRateThrottle):
    """DRF's own per-user throttle, counting on the same Redis as Keyward's round."""

    cache = caches["redis"]
    rate = "100000000/min"


class ThrottledTokenTenantSlug(TenantSlug):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [RedisUserRateThrottle]


urlpatterns = [
    path("none", variant([], [AllowAny]).as_view()),
    path("keyward", variant([ApiKeyAuthentication], [IsAuthenticated, HasScopes]).as_view()),
    path("token", variant([TokenAuthentication], [IsAuthenticated]).as_view()),
    path("token-throttled", ThrottledTokenTenantSlug.as_view()),
    path("drf-api-key", variant([], [HasAPIKey]).as_view()),
]
