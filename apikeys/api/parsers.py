"""JSON in, with a size cap."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.parsers import JSONParser

from apikeys.api.exceptions import RequestTooLarge


class CappedJSONParser(JSONParser):
    """JSON only, with the body capped at DATA_UPLOAD_MAX_MEMORY_SIZE (413 beyond it).

    DRF reads the raw stream, which Django's own size check does not cover.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and length.isdigit() and int(length) > limit:
            raise RequestTooLarge()
        return super().parse(stream, media_type, parser_context)
