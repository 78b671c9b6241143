"""The database is down: `/api/` answers 503 JSON `service_unavailable` with Retry-After,
the console a plain 503 page, and neither shows a traceback.

Two doors: `DatabaseOutageMiddleware.process_exception` for errors raised in a view (with
DEBUG on too), and `server_error`, the project's handler500, for errors raised anywhere
else (a session read in a middleware) with DEBUG off."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader

from core.api.exceptions import error_body

logger = logging.getLogger("keyward.outage")

OUTAGE_ERRORS = (OperationalError, InterfaceError)
API_MESSAGE = "The service is temporarily unavailable; try again shortly."


def unavailable(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("service_unavailable", API_MESSAGE), status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER)
    return response


class DatabaseOutageMiddleware:
    """Turns a database connection failure in a view into the 503 above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OUTAGE_ERRORS):
            logger.error("database unavailable: %s", exception)
            return unavailable(request)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage is a 503 (JSON under /api/), anything else our 500."""
    error = sys.exc_info()[1]
    if isinstance(error, OUTAGE_ERRORS):
        return unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", "Something went wrong."), status=500)
    return HttpResponseServerError(loader.render_to_string("500.html"))
