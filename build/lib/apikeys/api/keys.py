"""`/keys`: list, create, retrieve, revoke (DELETE) and regenerate the tenant's keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apikeys import keys
from apikeys.api.serializers import (
    KeyCreateSerializer,
    KeyFilterSerializer,
    KeySerializer,
    NewKeySerializer,
    RegenerateSerializer,
)
from apikeys.models import ApiKey
from core.api.base import TenantScopedViewSet


@sensitive_variables()
def show_once(key: ApiKey, raw: str, status_code: int) -> Response:
    """The one response that carries a raw key: never cached by anyone."""
    data = NewKeySerializer(key).data | {"key": raw}
    return Response(data, status=status_code, headers={"Cache-Control": "no-store"})


class KeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    TenantScopedViewSet,
):
    """Admins and team keys see every key of the tenant; a member's key its user's own."""

    model = ApiKey
    serializer_class = KeySerializer
    required_scopes = {
        "list": ["keys:read"],
        "retrieve": ["keys:read"],
        "create": ["keys:write"],
        "destroy": ["keys:write"],
        "regenerate": ["keys:write"],
    }

    def scope(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return (queryset & keys.visible_keys(self.principal())).select_related("user")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        form = KeyFilterSerializer(data=self.request.query_params.dict())
        form.is_valid(raise_exception=True)
        return keys.filtered(queryset, **form.validated_data)

    @extend_schema(parameters=[KeyFilterSerializer])
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(request=KeyCreateSerializer, responses={201: NewKeySerializer})
    @sensitive_variables()
    def create(self, request: Request) -> Response:
        form = KeyCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        key, raw = keys.create(
            self.actor(),
            self.principal(),
            kind=data["kind"],
            name=data["name"],
            description=data["description"],
            scopes=data.get("scopes"),
            expires_at=data["expires_at"],
            allowed_ips=data.get("allowed_ips"),
            flows=data.get("flows"),
        )
        return show_once(key, raw, status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke a key", request=None, responses={200: KeySerializer})
    def destroy(self, request: Request, id: str) -> Response:
        """Revoke the key (at once: every request checks the database)."""
        key = self.get_object()
        keys.revoke(self.actor(), self.principal(), key)
        return Response(KeySerializer(key).data)

    @extend_schema(
        summary="Regenerate a key's secret",
        request=RegenerateSerializer,
        responses={200: NewKeySerializer},
    )
    @action(detail=True, methods=["post"])
    @sensitive_variables()
    def regenerate(self, request: Request, id: str) -> Response:
        """New secret, same name, kind, scopes and expiry; the old one stops working now or
        after `grace_seconds` (1 hour to 7 days)."""
        form = RegenerateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        seconds = form.validated_data["grace_seconds"]
        key = self.get_object()
        grace = timedelta(seconds=seconds) if seconds else None
        expires_at = form.validated_data["expires_at"]
        raw = keys.regenerate(self.actor(), self.principal(), key, grace, expires_at)
        return show_once(key, raw, status.HTTP_200_OK)
