from typing import Any

from django.urls import path

from apikeys.api import schema  # noqa: F401  (registers the API-key security schemes)
from apikeys.api.views import WhoAmIView

urlpatterns: list[Any] = [
    path("whoami", WhoAmIView.as_view(), name="api-whoami"),
]
