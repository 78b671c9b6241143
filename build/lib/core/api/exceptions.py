"""The API's exceptions and error body. No import of DRF's views here: the authentication
class imports this module while DRF's settings are still loading."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status


class ApiError(exceptions.APIException):
    """An API failure with an explicit code and status."""

    def __init__(self, message: str, code: str, status_code: int = 400) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code


class InvalidRequest(ApiError):
    """400 `invalid_request`: the request itself is wrong (not one field)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "invalid_request", status.HTTP_400_BAD_REQUEST)


class RequestTooLarge(ApiError):
    """413 `request_too_large`."""

    def __init__(self, message: str = "The request body is too large.") -> None:
        super().__init__(message, "request_too_large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


class Conflict(ApiError):
    """409 `conflict`: well formed, but the resource's current state refuses it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "conflict", status.HTTP_409_CONFLICT)


class InsufficientScope(ApiError):
    """403 `insufficient_scope`, naming the scope the key lacks."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            f"This key lacks the scope(s): {', '.join(missing)}.",
            "insufficient_scope",
            status.HTTP_403_FORBIDDEN,
        )
        self.missing = missing


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}
