"""The REST API under /api/v1/: each app adds its routes in its own `api/urls.py`."""

from django.urls import include, path

urlpatterns = [
    path("", include("apikeys.api.urls")),
    path("", include("usage.api.urls")),
]
