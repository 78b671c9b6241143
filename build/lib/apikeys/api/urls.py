from typing import Any

from django.urls import path

from apikeys.api import schema  # noqa: F401  (registers the API-key security schemes)
from apikeys.api.keys import KeyViewSet
from apikeys.api.leaked import LeakReportView
from apikeys.api.secret_scanning import GitHubSecretScanningView
from apikeys.api.signup import SignupKeyView, SignupVerifyView, SignupView
from apikeys.api.views import WhoAmIView
from core.api.base import router_for

urlpatterns: list[Any] = [
    path("whoami", WhoAmIView.as_view(), name="api-whoami"),
    path("keys/leaked", LeakReportView.as_view(), name="api-keys-leaked"),
    path("signup", SignupView.as_view(), name="api-signup"),
    path("signup/verify", SignupVerifyView.as_view(), name="api-signup-verify"),
    path("signup/key", SignupKeyView.as_view(), name="api-signup-key"),
    path(
        "secret-scanning/github",
        GitHubSecretScanningView.as_view(),
        name="api-secret-scanning-github",
    ),
    *router_for(("keys", KeyViewSet)),
]
