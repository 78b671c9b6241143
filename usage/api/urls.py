from typing import Any

from django.urls import path

from core.api.base import router_for
from usage.api.views import ExecutionViewSet, FlowViewSet, UsageView

urlpatterns: list[Any] = [
    path("usage", UsageView.as_view(), name="api-usage"),
    *router_for(("flows", FlowViewSet), ("executions", ExecutionViewSet)),
]
