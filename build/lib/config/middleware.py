"""Request checks that apply to the console and the API alike."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.api.exceptions import error_body

NUL_MESSAGE = "The URL contains a NUL byte."


class RejectNulBytesMiddleware:
    """A NUL byte in the path or query string is a 400 before any view runs.

    No id, slug or filter value can contain one, and PostgreSQL refuses NUL in text, so such
    a value would otherwise reach a query as a DataError: a 500. Bodies are covered by the
    forms' and serializers' own NUL checks.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid_request", NUL_MESSAGE), status=400)
            raise BadRequest(NUL_MESSAGE)
        return self.get_response(request)
