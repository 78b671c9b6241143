"""The database is down: `/api/` answers 503 JSON `service_unavailable` with Retry-After,
the console a plain 503 page, and neither shows a traceback.

`DatabaseOutageMiddleware` sits near the top of the stack. It answers for errors raised in
a view (`process_exception`) and, with DEBUG on too, for errors raised in the middleware
below it (a session read, the active tenant): Django turns those into its technical 500
page before any outer middleware sees them, so a `got_request_exception` receiver marks the
request and the middleware replaces that page. With DEBUG off, `server_error` (the
project's handler500) answers the same."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
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


OUTAGE_ATTR = "_keyward_database_outage"


def mark_outage(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Sent while Django handles an uncaught exception: remember an outage on the request."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OUTAGE_ERRORS):
        setattr(request, OUTAGE_ATTR, error)


got_request_exception.connect(mark_outage, dispatch_uid="keyward-database-outage")


class DatabaseOutageMiddleware:
    """Turns a database connection failure below it into the 503 above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, OUTAGE_ATTR, None)
        if error is not None and response.status_code == 500:
            logger.error("database unavailable: %s", error)
            return unavailable(request)
        return response

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
