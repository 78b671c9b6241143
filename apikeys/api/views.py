"""`/whoami` and the JSON 404 for unknown API paths."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.api.base import TenantAPIView
from apikeys.models import ApiKey


class WhoAmISerializer(serializers.Serializer[Any]):
    """Who a key acts as."""

    kind = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    team = serializers.BooleanField()
    role = serializers.CharField()
    tenant = serializers.DictField(child=serializers.CharField())
    key = serializers.DictField()


class WhoAmIView(TenantAPIView):
    """The key's owner (a user's e-mail, or the team), tenant, and the key itself."""

    required_scopes: list[str] = []

    @extend_schema(responses=WhoAmISerializer, operation_id="whoami")
    def get(self, request: Request) -> Response:
        key: ApiKey = request.auth  # type: ignore[assignment]
        principal = self.principal()
        return Response(
            {
                "kind": key.kind,
                "email": key.user.email if key.user else None,
                "team": key.user is None,
                "role": principal.role,
                "tenant": {"slug": key.tenant.slug, "name": key.tenant.name},
                "key": {
                    "id": key.public_id,
                    "name": key.name,
                    "masked": key.masked,
                    "scopes": key.scopes,
                    "expires_at": key.expires_at,
                },
            }
        )


class NotFoundView(APIView):
    """Every unknown path under /api/: a JSON 404 rather than Django's HTML page."""

    permission_classes = [AllowAny]
    required_scopes: list[str] = []
    schema = None  # not part of the documented API

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound("No such API endpoint.")

    post = put = patch = delete = head = options = get
