from typing import Any

from django.urls import path

from core.api.base import router_for
from usage.api.views import ExecutionViewSet, FlowViewSet, QuotaView, UsageView

urlpatterns: list[Any] = [
    path("usage", UsageView.as_view(), name="api-usage"),
    path("quota", QuotaView.as_view(), name="api-quota"),
    *router_for(("flows", FlowViewSet), ("executions", ExecutionViewSet)),
]
