"""OpenAPI: the error responses of every operation.

drf-spectacular documents only success responses; clients (and schema fuzzers) need the
401/403/404/429/400 bodies too, which all share one `Error` shape.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "invalid_key"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": "Per-field messages (400 validation_error only).",
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

RATE_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the current window.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "Unix time at which the current window ends.",
}

ERRORS = {
    "400": "Invalid request or fields (invalid_request, validation_error); on a keyed "
    "operation also two different keys in Authorization and X-API-Key.",
    "401": "No key, or a malformed, invalid, expired or revoked key.",
    "403": "The key lacks a scope (insufficient_scope) or its owner the role (forbidden); "
    "on a keyed operation also a key used from outside its networks (ip_not_allowed), or "
    "whose user lacks the two-factor authentication the organisation requires (mfa_required).",
    "404": "No such object in the key's tenant (not_found).",
    "405": "Method not allowed (method_not_allowed).",
    "406": "Only application/json is served (not_acceptable).",
    "413": "Request body too large (request_too_large).",
    "415": "Only application/json is accepted (unsupported_media_type).",
    "429": "Rate limit exceeded (rate_limited); see Retry-After.",
    "503": "The database or the rate-limit store is unavailable (service_unavailable); "
    "see Retry-After.",
}
RETRY_AFTER = {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}
# Summaries of the standard actions, from the operation id (`v1_keys_list`); other
# operations declare theirs with extend_schema(summary=...).
STANDARD_SUMMARIES = {
    "list": "List {plural}",
    "create": "Create a {singular}",
    "retrieve": "Get a {singular}",
}


def _error_codes(method: str, operation: dict[str, Any], has_id: bool) -> list[str]:
    # A NUL byte in the URL is a 400 before any view, on every operation.
    codes = ["400", "405", "406", "429", "503"]
    if operation.get("security"):
        codes += ["401", "403"]
    if has_id:
        codes.append("404")
    if "requestBody" in operation:
        codes += ["413", "415"]
    return codes


def _summary(operation: dict[str, Any]) -> str | None:
    if operation.get("summary"):
        return str(operation["summary"])
    *_, resource, action = operation["operationId"].split("_")
    template = STANDARD_SUMMARIES.get(action)
    if template is None:
        return None
    singular = resource.removesuffix("s")
    article = "an" if singular[:1] in "aeiou" else "a"
    return template.format(plural=resource, singular=singular).replace(" a ", f" {article} ")


def document_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the Error component, every error response of every operation
    with the rate-limit headers, and a summary for every operation."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    headers = {
        name: {"schema": {"type": "integer"}, "description": text}
        for name, text in RATE_HEADERS.items()
    }
    components["headers"] = headers
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            summary = _summary(operation)
            if summary:
                operation["summary"] = summary
            responses = operation.setdefault("responses", {})
            for code in _error_codes(method, operation, "{" in path):
                responses.setdefault(code, {"description": ERRORS[code], "content": error_ref})
            for response in responses.values():
                response.setdefault("headers", {}).update(
                    {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_HEADERS}
                )
            for code in ("429", "503"):
                if code in responses:
                    responses[code]["headers"]["Retry-After"] = RETRY_AFTER
    return result


class CachedSchemaGenerator(SchemaGenerator):
    """The served schema, generated once per process (and language): it depends on the
    code only, and generating it costs ~200 ms of CPU, too much to pay per request."""

    _generated: ClassVar[dict[tuple[str | None, str | None], dict[str, Any]]] = {}

    def get_schema(self, request: Any = None, public: bool = False) -> dict[str, Any]:
        key = (self.api_version, translation.get_language())
        if key not in self._generated:
            self._generated[key] = super().get_schema(  # type: ignore[no-untyped-call]
                request=request, public=public
            )
        return self._generated[key]
