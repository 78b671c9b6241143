"""Cursor pagination with a capped page size; a bad `limit` or `cursor` is a 400."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib import parse

from rest_framework import exceptions
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

LIMIT = re.compile(r"[0-9]{1,3}")  # ASCII digits only: "²" and "①" are digits to str.isdigit


class CursorPage(CursorPagination):
    """Cursor pagination; `?limit=` from 1 to 100 (default 50). Views may set
    `cursor_ordering`."""

    page_size = 50
    max_page_size = 100
    page_size_query_param = "limit"
    ordering = ("-created_at", "-id")
    invalid_cursor_message = "Invalid cursor: use the `next` or `previous` link of a page."

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        return tuple(getattr(view, "cursor_ordering", self.ordering))

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not LIMIT.fullmatch(raw) or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {"limit": [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def decode_cursor(self, request: Request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None and not self._issued_by_us(encoded):
            raise exceptions.ValidationError({"cursor": [self.invalid_cursor_message]})
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({"cursor": [self.invalid_cursor_message]}) from None

    @staticmethod
    def _issued_by_us(encoded: str) -> bool:
        """Strict base64 of a query string of our cursor's fields only (DRF's own decoding
        ignores stray characters and unknown fields, so any text would pass as page one)."""
        try:
            text = base64.b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
        except (ValueError, UnicodeError):
            return False
        fields = parse.parse_qs(text, keep_blank_values=True)
        return bool(fields) and set(fields) <= {"o", "r", "p"}

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters
