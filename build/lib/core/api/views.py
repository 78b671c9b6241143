"""The JSON 404 for unknown API paths."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class NotFoundView(APIView):
    """Every unknown path under /api/: a JSON 404 rather than Django's HTML page."""

    permission_classes = [AllowAny]
    required_scopes: list[str] = []
    schema = None  # not part of the documented API

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound("No such API endpoint.")

    post = put = patch = delete = head = options = get
