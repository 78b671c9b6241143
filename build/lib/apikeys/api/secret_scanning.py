"""`POST /secret-scanning/github`: GitHub's secret-scanning partner program.

GitHub posts `[{"token", "type", "url", "source"}]` signed with ECDSA P-256 over the raw
body (`Github-Public-Key-Identifier`, `Github-Public-Key-Signature`, base64 DER). The
public keys come from a JSON file in GitHub's format (SECRET_SCANNING_GITHUB_KEYS); no
network call. A bad or missing signature is 401 and changes nothing. Matches follow each
organisation's leak policy; the answer labels every token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from apikeys import keys
from apikeys.api.leaked import notify
from core.acting import Actor
from core.api.base import ApiView
from core.api.exceptions import ApiError, RequestTooLarge
from core.network import client_ip

REPORTER = "GitHub secret scanning"
MAX_TOKENS = 5000


class SignatureRefused(ApiError):
    def __init__(self) -> None:
        super().__init__(
            "Missing or invalid GitHub signature.",
            "invalid_signature",
            status.HTTP_401_UNAUTHORIZED,
        )


# GitHub sends large batches; the general body cap (DATA_UPLOAD_MAX_MEMORY_SIZE) would cut
# them, so this endpoint reads its signed body itself, up to its own cap.
MAX_BODY = 8 * 1024 * 1024


def signed_body(request: HttpRequest) -> bytes:
    """The raw body the signature covers (never parsed before it is verified)."""
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise RequestTooLarge()
    return body


@cache
def _public_keys(path: str, mtime: float) -> dict[str, ec.EllipticCurvePublicKey]:
    document = json.loads(Path(path).read_text())
    found: dict[str, ec.EllipticCurvePublicKey] = {}
    for entry in document.get("public_keys", []):
        key = load_pem_public_key(entry["key"].encode())
        if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            found[str(entry["key_identifier"])] = key
    return found


def public_keys() -> dict[str, ec.EllipticCurvePublicKey]:
    """GitHub's public keys by identifier, re-read when the file changes."""
    path = settings.SECRET_SCANNING_GITHUB_KEYS
    if not path or not Path(path).is_file():
        return {}
    return _public_keys(path, Path(path).stat().st_mtime)


def verify(body: bytes, identifier: str, signature: str) -> bool:
    key = public_keys().get(identifier)
    if key is None or not signature:
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


class ReportedToken(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=500, trim_whitespace=False)
    type = serializers.CharField(max_length=100)
    url = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    source = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")  # type: ignore[assignment]


class TokenLabel(serializers.Serializer[Any]):
    token_hash = serializers.CharField(help_text="Hex SHA-256 of the token.")
    token_type = serializers.CharField()
    label = serializers.ChoiceField(choices=["true_positive", "false_positive"])  # type: ignore[assignment]


class GitHubSecretScanningView(ApiView):
    """Signed by GitHub, not by a key: no key authentication, no per-IP throttle."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=ReportedToken(many=True),
        responses={
            200: TokenLabel(many=True),
            401: OpenApiResponse(description="Missing or invalid signature (invalid_signature)."),
        },
        auth=[],
        operation_id="secret_scanning_github",
        summary="GitHub secret-scanning report",
    )
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        # Verified before anything reads it as JSON: an unsigned request of any content
        # type is a 401.
        body = signed_body(request._request)
        identifier = request.META.get("HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER", "")
        signature = request.META.get("HTTP_GITHUB_PUBLIC_KEY_SIGNATURE", "")
        if not verify(body, identifier, signature):
            raise SignatureRefused()
        try:
            items = json.loads(body)
        except ValueError as error:
            raise ApiError("The body is not JSON.", "invalid_request") from error
        form = ReportedToken(data=items, many=True)
        form.is_valid(raise_exception=True)
        reports = form.validated_data[:MAX_TOKENS]
        live = keys.live_keys_for([item["token"] for item in reports])
        actor = Actor(user=None, label=REPORTER, ip=client_ip(request._request))
        for item in reports:
            if item["token"] in live:
                handled = keys.report_leaked(
                    actor, [item["token"]], url=item["url"], source=item["source"]
                )
                notify(handled, "GitHub secret scanning", item["url"])
        answer = [
            {
                "token_hash": hashlib.sha256(item["token"].encode()).hexdigest(),
                "token_type": item["type"],
                "label": "true_positive" if item["token"] in live else "false_positive",
            }
            for item in reports
        ]
        return Response(answer)
