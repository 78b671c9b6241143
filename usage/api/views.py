"""`/flows`, `/executions` and `/usage`, on the shared tenant-scoped API base.

Filter ids (`flow`, `key`) that are not the caller's tenant's — or, for keys, not ones the
caller may see — are a 404 on every endpoint, like an unknown id, never an empty result.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import TenantAPIView, TenantScopedViewSet
from core.api.exceptions import Conflict
from usage import executions, quota, rollups, stats
from usage.api.serializers import (
    ErrorSerializer,
    ExecutionFilterSerializer,
    ExecutionSerializer,
    ExecutionUpdateSerializer,
    FlowCreateSerializer,
    FlowSerializer,
    QuotaSerializer,
    UsageQuerySerializer,
    UsageSerializer,
)
from usage.filters import flow_filter, key_filter, restricted_flows
from usage.flows import create_flow
from usage.models import Execution, Flow
from usage.transitions import TransitionRefused

# Lists answer 404 for an unknown filter id (`flow`, `key`) or an invalid cursor.
LIST_404 = OpenApiResponse(
    ErrorSerializer, description="Unknown flow or key filter, or an invalid cursor (not_found)."
)


@extend_schema_view(list=extend_schema(responses={200: FlowSerializer(many=True), 404: LIST_404}))
class FlowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The tenant's flows; invoking one starts a running execution attributed to the key."""

    model = Flow
    serializer_class = FlowSerializer
    # Any id up to the next slash reaches the view (and its authentication): an id with a
    # dot must be a 401 without a key and a 404 with one, not the catch-all JSON 404.
    required_scopes = {
        "list": ["flows:read"],
        "retrieve": ["flows:read"],
        "create": ["flows:write"],
        "invoke": ["flows:invoke"],
    }

    def scope(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        flows = restricted_flows(self.principal())
        return queryset if flows is None else queryset.filter(public_id__in=flows)

    @extend_schema(request=FlowCreateSerializer, responses={201: FlowSerializer})
    def create(self, request: Request) -> Response:
        form = FlowCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        flow = create_flow(self.api_request.tenant, **form.validated_data)
        return Response(FlowSerializer(flow).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Invoke a flow",
        request=None,
        responses={
            201: ExecutionSerializer,
            429: OpenApiResponse(
                ErrorSerializer,
                description="Rate limited (rate_limited), or the organisation's monthly "
                "allowance is used (quota_exceeded); Retry-After says when to retry.",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def invoke(self, request: Request, id: str) -> Response:
        """Start a run of the flow, now, attributed to the calling key; counted against the
        organisation's monthly allowance."""
        execution = executions.invoke(self.get_object(), key=self.api_request.api_key)
        return Response(ExecutionSerializer(execution).data, status=status.HTTP_201_CREATED)


class ExecutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Runs of the tenant's flows, newest first; runners PATCH their status."""

    model = Execution
    serializer_class = ExecutionSerializer
    cursor_ordering = ("-started_at", "-id")
    required_scopes = {
        "list": ["executions:read"],
        "retrieve": ["executions:read"],
        "partial_update": ["executions:write"],
    }

    def scope(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        flows = restricted_flows(self.principal())
        if flows is not None:
            queryset = queryset.filter(flow__public_id__in=flows)
        return queryset.select_related("flow", "key")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        # A plain dict: DRF reads an empty `?status=` in a QueryDict as absent, not as the
        # invalid value the schema says it is.
        form = ExecutionFilterSerializer(data=self.request.query_params.dict())
        form.is_valid(raise_exception=True)
        wanted = form.validated_data
        principal = self.principal()
        if "status" in wanted:
            queryset = queryset.filter(status=wanted["status"])
        if flow := flow_filter(principal, wanted.get("flow")):
            queryset = queryset.filter(flow=flow)
        if key := key_filter(principal, wanted.get("key")):
            queryset = queryset.filter(key=key)
        if "since" in wanted:
            queryset = queryset.filter(started_at__gte=wanted["since"])
        return queryset

    @extend_schema(
        parameters=[ExecutionFilterSerializer],
        responses={200: ExecutionSerializer(many=True), 404: LIST_404},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Report an execution's status",
        request=ExecutionUpdateSerializer,
        responses={
            200: ExecutionSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="The run's current status does not allow this change, for "
                "instance because it has ended (conflict); the message names both states.",
            ),
        },
    )
    def partial_update(self, request: Request, id: str) -> Response:
        """Report a status change. Allowed: running ↔ paused, running → compensating, and
        any unended state → succeeded | failed | cancelled. A change the run's current
        status does not allow is a 409 naming both states; an ended run never changes."""
        execution = self.get_object()  # another tenant's id is a 404 whatever the body
        form = ExecutionUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            execution = executions.change_status(
                execution, form.validated_data["status"], form.validated_data["ended_at"]
            )
        except TransitionRefused as refused:
            raise Conflict(refused.message_dict["status"][0]) from None
        return Response(ExecutionSerializer(execution).data)


class UsageView(TenantAPIView):
    """The usage page's numbers for the last `days` days (today included) in the tenant's
    time zone. Reads only the daily roll-ups: O(days), whatever the number of runs."""

    required_scopes = ["usage:read"]

    @extend_schema(
        operation_id="usage",
        summary="Usage of the last days",
        parameters=[UsageQuerySerializer],
        responses={200: UsageSerializer, 404: LIST_404},
    )
    def get(self, request: Request) -> Response:
        form = UsageQuerySerializer(data=request.query_params.dict())  # see filter_queryset
        form.is_valid(raise_exception=True)
        query = form.validated_data
        principal = self.principal()
        flow = flow_filter(principal, query.get("flow"))
        key = key_filter(principal, query.get("key"))
        window = rollups.read(
            principal.tenant,
            query["days"],
            flow=flow,
            key=key,
            flows=restricted_flows(principal),
        )
        cards = stats.cards(window.days)
        data = {
            "time_zone": window.time_zone,
            "start": window.start,
            "end": window.end,
            "flow": flow.public_id if flow else None,
            "key": key.public_id if key else None,
            "cards": {
                **vars(cards),
                "success_rate_display": cards.success_rate_display,
                "avg_duration_display": cards.avg_duration_display,
            },
            "days": [{**vars(day), "total": day.total} for day in window.days],
        }
        return Response(UsageSerializer(data).data)


class QuotaView(TenantAPIView):
    """The organisation's monthly allowance: period, allowance, used, remaining."""

    required_scopes = ["usage:read"]

    @extend_schema(operation_id="quota", summary="Monthly allowance", responses=QuotaSerializer)
    def get(self, request: Request) -> Response:
        tenant = self.principal().tenant
        now = quota.current(tenant)
        data = {
            "period_start": now.period_start,
            "period_end": now.period_end,
            "allowance": now.allowance,
            "used": now.used,
            "remaining": now.remaining,
        }
        # The period is the organisation's local month: its bounds carry the local offset.
        with timezone.override(tenant.time_zone):
            return Response(QuotaSerializer(data).data)
