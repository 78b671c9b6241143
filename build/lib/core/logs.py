"""One structured line per request: method, path, status, duration, tenant, key public id
and client IP — never a raw key (keys travel in headers, which are not logged, and the
path is logged without its query string). JSON when LOG_FORMAT=json."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from core.network import client_ip

logger = logging.getLogger("keyward.request")

FIELDS = ("method", "path", "status", "duration_ms", "tenant", "key", "ip")


class RequestLogMiddleware:
    """Outermost: it sees the final status, the rate limiter's 429s included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        tenant = getattr(request, "tenant", None)
        key = getattr(request, "api_key", None)
        fields: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "tenant": getattr(tenant, "slug", None),
            "key": getattr(key, "public_id", None),
            "ip": client_ip(request),
        }
        logger.info(
            "%s %s %s %.2fms",
            fields["method"],
            fields["path"],
            fields["status"],
            fields["duration_ms"],
            extra={"request_fields": fields},
        )
        return response


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and a request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "request_fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
