"""The API's error body, `{"error": {"code", "message", "fields"?}}`, for every failure.

DRF's exceptions carry a code; this handler turns each into the API's one JSON error shape, and
also turns Django's own `Http404`, `PermissionDenied` and `ValidationError` (raised by
`apikeys.keys`) into 404 / 403 / 400 rather than a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.acting import ScopeRefused
from core.api.exceptions import InsufficientScope, RequestTooLarge, error_body

# DRF's own codes, renamed to the API's vocabulary.
CODES = {
    "not_authenticated": "missing_key",
    "authentication_failed": "invalid_key",
    "permission_denied": "forbidden",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "unsupported_media_type": "unsupported_media_type",
    "not_acceptable": "not_acceptable",
    "throttled": "rate_limited",
    "parse_error": "invalid_request",
    "invalid": "validation_error",
}


def _django_to_drf(exc: Exception) -> Exception:
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, ScopeRefused):
        return InsufficientScope(exc.missing)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    return exc


def _first_code(codes: Any) -> str:
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else "error"


def _message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return str(detail[0])
    return str(detail)


def _flat_messages(detail: Any, prefix: str = "") -> list[str]:
    """A field's errors as the documented list of strings, however deep DRF nested them:
    `{"0": ["Unknown scope."]}` for a list item becomes `["0: Unknown scope."]`."""
    if isinstance(detail, dict):
        return [
            m for key, value in detail.items() for m in _flat_messages(value, f"{prefix}{key}: ")
        ]
    if isinstance(detail, list):
        return [m for item in detail for m in _flat_messages(item, prefix)]
    return [f"{prefix}{detail}"]


def _validation_message(fields: dict[str, list[str]]) -> str:
    """The one error itself when there is one (say, "status: Cannot change a succeeded
    execution to running."), else a summary; `fields` always has them all."""
    messages = [(name, message) for name, field in fields.items() for message in field]
    if len(messages) == 1:
        name, message = messages[0]
        return message if name == "non_field_errors" else f"{name}: {message}"
    return "The request has invalid fields."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, headers such as Retry-After), then the API's error body."""
    exc = _django_to_drf(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # a real bug: let Django report it
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        flat = {name: _flat_messages(messages) for name, messages in fields.items()}
        response.data = error_body("validation_error", _validation_message(flat), flat)
        return response
    code = _first_code(exc.get_codes())
    message = _message(exc.detail)
    if isinstance(exc, exceptions.NotAuthenticated):
        message = "Send an API key in the Authorization: Bearer or X-API-Key header."
    response.data = error_body(CODES.get(code, code), message)
    return response
