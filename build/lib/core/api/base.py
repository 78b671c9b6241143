"""The base every API endpoint is built on.

Declaring an endpoint (e.g. in `usage/api/views.py`)::

    from core.api.base import TenantScopedViewSet
    from rest_framework import mixins

    class FlowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
        model = Flow                      # its manager's queryset has for_tenant()
        serializer_class = FlowSerializer # list the fields; never a tenant field
        required_scopes = {"list": ["flows:read"], "retrieve": ["flows:read"],
                           "invoke": ["flows:invoke"]}
        cursor_ordering = ("-created_at", "-id")   # optional; this is the default

        def scope(self, queryset):         # optional: narrow further, never widen
            return queryset.filter(is_archived=False)

Register it with `router_for(("flows", FlowViewSet))` (no trailing slashes) in your app's
`api/urls.py`.

What you get: authentication by key (`request.api_key` is the key, `request.tenant` its
tenant, `request.principal` whose rights it carries, `request.user` the user or a team
principal), scope checks from `required_scopes` (a list, or a dict by action or HTTP
method; `[]` = any valid key; a view that declares nothing fails the system checks),
`get_queryset()` = `model.objects.for_tenant(request.tenant)` (views never filter by tenant
themselves, so another tenant's id is a 404 like a missing one), lookups by `public_id`
under the URL kwarg `id`, capped cursor pagination, JSON errors, rate limits and their
headers. In a view, `self.principal()` and `self.actor()` give who acts, for the services
and the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from django.db import models
from rest_framework import viewsets
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from core.acting import Actor, Principal
from core.api.pagination import CursorPage
from core.http import ApiRequest
from core.tenancy import tenant_rows


class ApiView(APIView):
    """DRF's APIView without OPTIONS: there is no metadata endpoint (OPTIONS is a 405), so
    the `Allow` header must not offer it."""

    @property
    def allowed_methods(self) -> list[str]:
        return [method for method in super().allowed_methods if method != "OPTIONS"]


class ActingMixin(ApiView):
    """Who the request acts as: `principal()` for the services, `actor()` for the audit."""

    @property
    def api_request(self) -> ApiRequest:
        """The request as authentication left it. Views behind IsAuthenticated only run
        once a key has authenticated, which sets these attributes."""
        return cast(ApiRequest, self.request)

    def principal(self) -> Principal:
        return self.api_request.principal

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        """A key that expires says when on every authenticated response (RFC 3339)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        # The key authentication put on the request; never `request.auth`, which would
        # authenticate a request that has not yet.
        key = getattr(getattr(request, "_request", request), "api_key", None)
        expiry = getattr(key, "effective_expiry", None)
        if isinstance(expiry, datetime):
            response["Keyward-Key-Expires"] = expiry.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return response

    def actor(self) -> Actor:
        return Actor.from_request(self.request)


class TenantScopedMixin(ActingMixin):
    """`get_queryset()` is the model's rows of the key's tenant, and nothing else."""

    model: type[models.Model]
    lookup_field: str = "public_id"
    lookup_url_kwarg: str | None = "id"
    # Any path segment is looked up (and is a 404 if it is nobody's id), so that a malformed
    # id is answered by the view, after authentication, like every other id.
    lookup_value_regex: str = "[^/]+"
    pagination_class: Any = CursorPage

    def get_queryset(self) -> models.QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()  # schema generation: there is no tenant
        return self.scope(tenant_rows(self.model, self.api_request.tenant))

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """Narrow the tenant's rows further (e.g. a member sees only their own)."""
        return queryset


class TenantScopedViewSet(TenantScopedMixin, viewsets.GenericViewSet[Any]):
    """Base viewset for tenant-owned resources: combine with DRF's model mixins."""


class TenantAPIView(ActingMixin):
    """Base for endpoints that are not a resource (e.g. `/whoami`, `/usage`); each declares
    its `required_scopes`."""


def router_for(*routes: tuple[str, type[viewsets.ViewSetMixin]]) -> list[Any]:
    """URL patterns for viewsets, without trailing slashes; `{id}` is the public id."""
    router = SimpleRouter(trailing_slash=False)
    for prefix, viewset in routes:
        router.register(prefix, viewset, basename=prefix.replace("/", "-"))
    return list(router.urls)
