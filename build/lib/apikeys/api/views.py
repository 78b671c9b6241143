"""`/whoami`: who a key acts as."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Role
from apikeys.models import Kind
from apikeys.scopes import SCOPES
from core.api.base import TenantAPIView


class WhoAmITenantSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()


class WhoAmIKeySerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    name = serializers.CharField()
    masked = serializers.CharField()
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=list(SCOPES)))
    expires_at = serializers.DateTimeField(allow_null=True)


class WhoAmISerializer(serializers.Serializer[Any]):
    """Who a key acts as."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    email = serializers.EmailField(allow_null=True)
    team = serializers.BooleanField()
    role = serializers.ChoiceField(choices=Role.choices)
    tenant = WhoAmITenantSerializer()
    key = WhoAmIKeySerializer()


class WhoAmIView(TenantAPIView):
    """The key's owner (a user's e-mail, or the team), tenant, and the key itself."""

    required_scopes: list[str] = []

    @extend_schema(summary="Who this key is", responses=WhoAmISerializer, operation_id="whoami")
    def get(self, request: Request) -> Response:
        key = self.api_request.api_key
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
