"""One tenant-scoped list endpoint, served behind each authentication compared."""

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
from apikeys.api.serializers import KeySerializer
from apikeys.authentication import ApiKeyAuthentication
from apikeys.models import ApiKey
from core.api.permissions import HasScopes


class KeyList(APIView):
    """The tenant's first 20 keys. Others than Keyward do not know a tenant: it is fixed."""

    required_scopes = ["keys:read"]

    def get(self, request: Request) -> Response:
        tenant = getattr(request, "tenant", None) or FIXED_TENANT[0]
        keys = ApiKey.objects.for_tenant(tenant).with_state().select_related("user")[:20]
        return Response(KeySerializer(keys, many=True).data)


FIXED_TENANT: list[Tenant] = []


def variant(auth: list[Any], perms: list[Any]) -> Any:
    return type("V", (KeyList,), {"authentication_classes": auth, "permission_classes": perms})


class RedisUserRateThrottle(UserRateThrottle):
    """DRF's own per-user throttle, counting on the same Redis as Keyward's round."""

    cache = caches["redis"]
    rate = "100000000/min"


class ThrottledTokenKeyList(KeyList):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [RedisUserRateThrottle]


urlpatterns = [
    path("none", variant([], [AllowAny]).as_view()),
    path("keyward", variant([ApiKeyAuthentication], [IsAuthenticated, HasScopes]).as_view()),
    path("token", variant([TokenAuthentication], [IsAuthenticated]).as_view()),
    path("token-throttled", ThrottledTokenKeyList.as_view()),
    path("drf-api-key", variant([], [HasAPIKey]).as_view()),
]
