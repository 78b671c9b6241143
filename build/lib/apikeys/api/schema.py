"""OpenAPI: the API-key security schemes (Bearer and X-API-Key)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Bearer and X-API-Key, either of which carries the key."""

    target_class = "apikeys.authentication.ApiKeyAuthentication"
    name = ["BearerKey", "HeaderKey"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {"type": "http", "scheme": "bearer", "bearerFormat": "kw_user_… / kw_team_…"},
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        ]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{"BearerKey": []}, {"HeaderKey": []}]
